#!/usr/bin/env python3
"""Writes the tiny CLIP-shaped test models under fixtures/models/ (committed; rerun only to change them).

Each is a model directory in the layout of Immich's ONNX CLIP exports. Both encoders map into a small colour space,
so they agree on something checkable: a red image's embedding points the same way as the text "red".
- visual: mean colour of the image (undoing the mean/std normalisation), centred on grey, projected to embed_dim;
- textual: counts of colour words among the tokens (real CLIP token ids), each word a colour direction.
The tokenizer.json keeps CLIP's real token ids but only the vocabulary and merges needed for a few dozen words.

Needs Debian's python3-onnx and python3-numpy:  /usr/bin/python3 scripts/make-test-model.py [CLIP_BPE_DIR]
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BPE_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, '..', 'shared', 'models', 'clip-bpe')
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
SIZE = 32
CONTEXT = 77

# Colour words and their direction in (r, g, b).
COLOURS = {
    'red': (1, -1, -1), 'green': (-1, 1, -1), 'blue': (-1, -1, 1), 'white': (1, 1, 1), 'black': (-1, -1, -1),
    'yellow': (1, 1, -1), 'orange': (1, 0, -1), 'purple': (0, -1, 1), 'pink': (1, -0.5, 0),
}
EXTRA_WORDS = ['a', 'an', 'the', 'photo', 'picture', 'image', 'of', 'cat', 'dog', 'on', 'beach', 'sky', 'car', 'in']


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def bpe_merges_used(word, ranks, byte_chars):
    symbols = [byte_chars[b] for b in word.encode('utf-8')]
    symbols[-1] += '</w>'
    used = []
    while len(symbols) > 1:
        pairs = [(ranks.get(symbols[i] + ' ' + symbols[i + 1], 1 << 30), i) for i in range(len(symbols) - 1)]
        rank, i0 = min(pairs)
        if rank == 1 << 30:
            break
        a, b = symbols[i0], symbols[i0 + 1]
        used.append(rank)
        out, i = [], 0
        while i < len(symbols):
            if i < len(symbols) - 1 and symbols[i] == a and symbols[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return used, symbols


def trimmed_tokenizer(full):
    model = full['model']
    merges = [m if isinstance(m, str) else ' '.join(m) for m in model['merges']]
    ranks = {m: i for i, m in enumerate(merges)}
    byte_chars = bytes_to_unicode()
    keep_ranks, keep_tokens = set(), set()
    for word in list(COLOURS) + EXTRA_WORDS:
        used, symbols = bpe_merges_used(word, ranks, byte_chars)
        keep_ranks.update(used)
        keep_tokens.update(symbols)
        for r in used:
            a, b = merges[r].split(' ')
            keep_tokens.add(a + b)
    for ch in byte_chars.values():
        keep_tokens.update([ch, ch + '</w>'])
    vocab = {t: i for t, i in model['vocab'].items() if t in keep_tokens}
    trimmed = dict(full)
    trimmed['model'] = dict(model, vocab=vocab, merges=[merges[r] for r in sorted(keep_ranks)])
    return trimmed


def visual_graph(projection, bias, name, size):
    d = projection.shape[1]
    nodes = [
        helper.make_node('ReduceMean', ['image'], ['mean_rgb'], axes=[2, 3], keepdims=0),
        helper.make_node('Mul', ['mean_rgb', 'std'], ['scaled']),
        helper.make_node('Add', ['scaled', 'mean'], ['rgb01']),
        helper.make_node('Sub', ['rgb01', 'half'], ['centred']),
        helper.make_node('MatMul', ['centred', 'proj'], ['projected']),
        helper.make_node('Add', ['projected', 'bias'], ['image_embedding']),
    ]
    inits = [
        numpy_helper.from_array(np.array(STD, np.float32), 'std'),
        numpy_helper.from_array(np.array(MEAN, np.float32), 'mean'),
        numpy_helper.from_array(np.array([0.5], np.float32), 'half'),
        numpy_helper.from_array(projection.astype(np.float32), 'proj'),
        numpy_helper.from_array(bias.astype(np.float32), 'bias'),
    ]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['batch', 3, size, size])],
        [helper.make_tensor_value_info('image_embedding', TensorProto.FLOAT, ['batch', d])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='indexer-make-test-model')


def textual_graph(word_ids, projection, bias, name):
    d = projection.shape[1]
    nodes = [
        helper.make_node('Unsqueeze', ['text', 'axis2'], ['text3']),
        helper.make_node('Equal', ['text3', 'word_ids'], ['hits']),
        helper.make_node('Cast', ['hits'], ['hits_f'], to=TensorProto.FLOAT),
        helper.make_node('ReduceSum', ['hits_f', 'axis1'], ['counts'], keepdims=0),
        helper.make_node('MatMul', ['counts', 'proj'], ['projected']),
        helper.make_node('Add', ['projected', 'bias'], ['text_embedding']),
    ]
    inits = [
        numpy_helper.from_array(np.array([2], np.int64), 'axis2'),
        numpy_helper.from_array(np.array([1], np.int64), 'axis1'),
        numpy_helper.from_array(np.array(word_ids, np.int32), 'word_ids'),
        numpy_helper.from_array(projection.astype(np.float32), 'proj'),
        numpy_helper.from_array(bias.astype(np.float32), 'bias'),
    ]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info('text', TensorProto.INT32, ['batch', CONTEXT])],
        [helper.make_tensor_value_info('text_embedding', TensorProto.FLOAT, ['batch', d])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='indexer-make-test-model')


def write_model(out_dir, embed_dim, channel_order, tokenizer, tokenizer_config, size=SIZE):
    """channel_order places r, g, b on embedding axes; the last axis carries a small constant so no vector is zero."""
    os.makedirs(os.path.join(out_dir, 'visual'), exist_ok=True)
    os.makedirs(os.path.join(out_dir, 'textual'), exist_ok=True)
    colour_proj = np.zeros((3, embed_dim), np.float32)
    for c, axis in enumerate(channel_order):
        colour_proj[c, axis] = 1.0
    bias = np.zeros(embed_dim, np.float32)
    bias[embed_dim - 1] = 0.1
    vocab = tokenizer['model']['vocab']
    words = list(COLOURS)  # each is one CLIP token
    word_ids = [vocab[w + '</w>'] for w in words]
    text_proj = np.array([COLOURS[w] for w in words], np.float32) @ colour_proj
    onnx.save(visual_graph(colour_proj, bias, 'tiny_clip_visual', size), os.path.join(out_dir, 'visual', 'model.onnx'))
    onnx.save(textual_graph(word_ids, text_proj, bias, 'tiny_clip_textual'), os.path.join(out_dir, 'textual', 'model.onnx'))
    config = {
        'embed_dim': embed_dim,
        'vision_cfg': {'image_size': size, 'layers': 0, 'width': 3, 'patch_size': size},
        'text_cfg': {'context_length': CONTEXT, 'vocab_size': 49408, 'width': embed_dim, 'heads': 1, 'layers': 0},
    }
    preprocess = {'size': [size, size], 'mode': 'RGB', 'mean': MEAN, 'std': STD, 'interpolation': 'bicubic',
                  'resize_mode': 'shortest', 'fill_color': 0}
    dump(os.path.join(out_dir, 'config.json'), config)
    dump(os.path.join(out_dir, 'visual', 'preprocess_cfg.json'), preprocess)
    dump(os.path.join(out_dir, 'textual', 'tokenizer.json'), tokenizer)
    dump(os.path.join(out_dir, 'textual', 'tokenizer_config.json'), tokenizer_config)


def dump(path, value):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(value, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')


def main():
    with open(os.path.join(BPE_DIR, 'tokenizer.json'), encoding='utf-8') as f:
        tokenizer = trimmed_tokenizer(json.load(f))
    with open(os.path.join(BPE_DIR, 'tokenizer_config.json'), encoding='utf-8') as f:
        tokenizer_config = json.load(f)
    base = os.path.join(REPO, 'fixtures', 'models')
    # Two models that agree on colour but differ in weights and width: switching between them re-embeds.
    write_model(os.path.join(base, 'tiny-clip'), 4, [0, 1, 2], tokenizer, tokenizer_config)
    write_model(os.path.join(base, 'tiny-clip-b'), 5, [2, 0, 1], tokenizer, tokenizer_config)
    # The input size of the CLIP family (224 px, shortest edge): the one that embeds from the thumbnail stage's
    # clip sources (src/extract/clip/source-file.ts).
    write_model(os.path.join(base, 'tiny-clip-224'), 4, [0, 1, 2], tokenizer, tokenizer_config, size=224)
    print('wrote', os.path.join(base, 'tiny-clip'), os.path.join(base, 'tiny-clip-b'), 'and', os.path.join(base, 'tiny-clip-224'))


if __name__ == '__main__':
    main()
