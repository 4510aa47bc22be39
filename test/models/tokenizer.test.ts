import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { ClipTokenizer } from '../../src/models/tokenizer.js';
import { clipBpeDir, tinyModel } from '../clip-helpers.js';

const haveBpe = fs.existsSync(path.join(clipBpeDir, 'tokenizer.json'));
const skip = haveBpe ? false : `no CLIP vocabulary at ${clipBpeDir}`;

function fullTokenizer(): ClipTokenizer {
  return ClipTokenizer.fromFiles(path.join(clipBpeDir, 'tokenizer.json'), path.join(clipBpeDir, 'tokenizer_config.json'), 77);
}

/**
 * The original OpenAI tokenizer's vocabulary, rebuilt from bpe_simple_vocab_16e6.txt.gz the way clip/simple_tokenizer.py
 * does: byte symbols, the same with </w>, every merge, then the two special tokens.
 */
function originalVocabTokenizer(): ClipTokenizer {
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(clipBpeDir, 'bpe_simple_vocab_16e6.txt.gz'))).toString('utf8').split('\n');
  const merges = lines.slice(1, 49152 - 256 - 2 + 1);
  const bytes: string[] = [];
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const order = [...Array(256).keys()].filter(printable).concat([...Array(256).keys()].filter((b) => !printable(b)));
  let extra = 0;
  const charOf = new Map<number, string>();
  for (let b = 0; b < 256; b++) charOf.set(b, String.fromCodePoint(printable(b) ? b : 256 + extra++));
  for (const b of order) bytes.push(charOf.get(b)!);
  const tokens = [...bytes, ...bytes.map((c) => c + '</w>'), ...merges.map((m) => m.replace(' ', '')), '<|startoftext|>', '<|endoftext|>'];
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  return new ClipTokenizer({ model: { vocab, merges, end_of_word_suffix: '</w>' } }, 77, vocab['<|endoftext|>']!);
}

test('real CLIP ids: "a photo of a cat" and the README example', { skip }, () => {
  const tok = fullTokenizer();
  assert.deepEqual(tok.tokenize('a photo of a cat'), [49406, 320, 1125, 539, 320, 2368, 49407]);
  assert.deepEqual(tok.tokenize('A dog on the beach!'), [49406, 320, 1929, 525, 518, 2117, 256, 49407]);
});

test('tokenizer.json agrees with the original merges file on awkward text', { skip }, () => {
  const fromJson = fullTokenizer();
  const original = originalVocabTokenizer();
  const samples = [
    'a photo of a cat',
    "Don't   STOP\tbelieving — it's 2024!!",
    'Crème brûlée in Zürich, 東京タワー at night',
    'emoji 🐶🏖️ and numbers 3.14159 #hashtag @user',
    'supercalifragilisticexpialidocious antidisestablishmentarianism',
  ];
  for (const s of samples) assert.deepEqual(fromJson.tokenize(s), original.tokenize(s), s);
});

test('encode pads with the pad token to the context length and truncates keeping the end token', { skip }, () => {
  const tok = fullTokenizer();
  const row = tok.encode('a cat');
  assert.equal(row.length, 77);
  assert.deepEqual([...row.slice(0, 5)], [49406, 320, 2368, 49407, 49407]);
  assert.equal(tok.padId, 49407);
  const long = tok.encode('cat '.repeat(200));
  assert.equal(long.length, 77);
  assert.equal(long[0], 49406);
  assert.equal(long[75], 2368);
  assert.equal(long[76], 49407);
});

test("the test model's trimmed tokenizer gives the real ids for its words", { skip }, () => {
  const trimmed = ClipTokenizer.fromFiles(
    path.join(tinyModel, 'textual/tokenizer.json'),
    path.join(tinyModel, 'textual/tokenizer_config.json'),
    77,
  );
  const full = fullTokenizer();
  for (const s of ['a photo of a cat', 'red', 'a blue sky', 'green dog on the beach', 'yellow purple orange pink']) {
    assert.deepEqual(trimmed.tokenize(s), full.tokenize(s), s);
  }
});
