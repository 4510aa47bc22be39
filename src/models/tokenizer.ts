/**
 * CLIP's byte-level BPE tokenizer, read from a Hugging Face `tokenizer.json` (the form CLIP exports ship in
 * `textual/`). Behaves like `tokenizers` configured the way Immich does it: NFC + whitespace collapse + lower case,
 * CLIP's word regex, byte-to-unicode mapping, BPE with the `</w>` end-of-word suffix, then
 * `<|startoftext|> ... <|endoftext|>`, truncated and padded to the context length with the config's pad token.
 */
import fs from 'node:fs';
import { modelJsonLimits, readModelJson } from './json-file.js';

/** The parts of tokenizer.json we use. */
interface TokenizerJson {
  added_tokens?: { id: number; content: string }[];
  pre_tokenizer?: { pretokenizers?: { type: string; pattern?: { Regex?: string } }[] };
  model: { vocab: Record<string, number>; merges: (string | [string, string])[]; end_of_word_suffix?: string | null };
}

/** CLIP's word pattern; used when tokenizer.json does not carry one. */
const defaultPattern =
  "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** GPT-2's reversible byte -> printable character table: BPE works on these characters, never raw bytes. */
function byteToUnicode(): string[] {
  const table: string[] = new Array(256);
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : 256 + extra++);
  return table;
}

/** Id of a token string (vocabulary or added tokens); throws when the tokenizer lacks it. */
function tokenId(json: TokenizerJson, token: string): number {
  const added = json.added_tokens?.find((t) => t.content === token);
  if (added) return added.id;
  const id = json.model.vocab[token];
  if (id === undefined) throw new Error(`tokenizer has no token '${token}'`);
  return id;
}

export class ClipTokenizer {
  private readonly ranks = new Map<string, number>();
  private readonly byteChars = byteToUnicode();
  private readonly wordCache = new Map<string, number[]>();
  private readonly pattern: RegExp;
  private readonly suffix: string;
  readonly sot: number;
  readonly eot: number;

  constructor(
    private readonly json: TokenizerJson,
    /** Tokens per sequence (open_clip's text_cfg.context_length, 77 for CLIP). */
    readonly contextLength: number,
    /** Id written after the end token up to contextLength. */
    readonly padId: number,
  ) {
    json.model.merges.forEach((m, rank) => this.ranks.set(Array.isArray(m) ? m.join(' ') : m, rank));
    this.suffix = json.model.end_of_word_suffix ?? '</w>';
    const split = json.pre_tokenizer?.pretokenizers?.find((p) => p.type === 'Split')?.pattern?.Regex;
    this.pattern = new RegExp(split ?? defaultPattern, 'gu');
    this.sot = tokenId(json, '<|startoftext|>');
    this.eot = tokenId(json, '<|endoftext|>');
  }

  /** Reads textual/tokenizer.json; the pad token comes from tokenizer_config.json (default: the end token). */
  static fromFiles(tokenizerFile: string, configFile: string | null, contextLength: number): ClipTokenizer {
    const json = readModelJson(tokenizerFile, modelJsonLimits.tokenizer) as TokenizerJson | null;
    if (!json?.model?.vocab || !json.model?.merges) throw new Error(`${tokenizerFile}: not a BPE tokenizer.json (no model.vocab/merges)`);
    let padToken = '<|endoftext|>';
    if (configFile && fs.existsSync(configFile)) {
      const cfg = readModelJson(configFile, modelJsonLimits.config) as { pad_token?: string | { content: string } } | null;
      if (typeof cfg?.pad_token === 'string') padToken = cfg.pad_token;
      else if (cfg?.pad_token?.content) padToken = cfg.pad_token.content;
    }
    return new ClipTokenizer(json, contextLength, tokenId(json, padToken));
  }

  /** Token ids without padding: start, words, end (truncated so the end token always fits). */
  tokenize(text: string): number[] {
    const normalized = text.normalize('NFC').replace(/\s+/g, ' ').toLowerCase();
    const ids: number[] = [this.sot];
    for (const match of normalized.matchAll(this.pattern)) {
      const word = match[0];
      if (word === '<|startoftext|>') ids.push(this.sot);
      else if (word === '<|endoftext|>') ids.push(this.eot);
      else ids.push(...this.bpe(word));
    }
    if (ids.length > this.contextLength - 1) ids.length = this.contextLength - 1;
    ids.push(this.eot);
    return ids;
  }

  /** The model's input row: tokenize() padded to contextLength. */
  encode(text: string): Int32Array {
    const row = new Int32Array(this.contextLength).fill(this.padId);
    row.set(this.tokenize(text));
    return row;
  }

  private bpe(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const bytes = Buffer.from(word, 'utf8');
    let symbols = Array.from(bytes, (b) => this.byteChars[b]!);
    symbols[symbols.length - 1] += this.suffix;
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(symbols[i] + ' ' + symbols[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      // Merge every occurrence of the best pair, left to right, as the reference implementation does.
      const a = symbols[best]!;
      const b = symbols[best + 1]!;
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === a && symbols[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(symbols[i]!);
      }
      symbols = next;
    }
    const ids = symbols.map((s) => {
      const id = this.json.model.vocab[s];
      // Every byte symbol is in CLIP's vocabulary; a trimmed test vocabulary may lack some, so fall back to the end token.
      return id ?? this.eot;
    });
    if (this.wordCache.size < 10_000) this.wordCache.set(word, ids);
    return ids;
  }
}
