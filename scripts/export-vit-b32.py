#!/usr/bin/env python3
"""Exports a CLIP model directory with the real ViT-B/32 architecture and RANDOM weights, for benchmarks only
(its embeddings mean nothing). Same layout, input names, shapes and FLOPs as Immich's ViT-B-32__openai export:

  visual:  conv 32x32/32 -> 50 tokens x 768, 12 pre-LN blocks (12 heads, MLP 3072), ln_post, proj 768->512
  textual: token + position embedding 77 x 512, 12 causal pre-LN blocks (8 heads, MLP 2048), ln_final,
           features at the end token (argmax id), proj 512->512

Needs Debian's python3-torch and python3-onnx (apt-get install python3-torch python3-onnx):
  /usr/bin/python3 scripts/export-vit-b32.py /tmp/indexer-bench/ViT-B-32-random [CLIP_BPE_DIR]
"""
import json
import os
import shutil
import sys

import torch
from torch import nn

torch.manual_seed(0)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    """CLIP's residual attention block, written out so it exports to plain ONNX ops."""

    def __init__(self, width, heads, causal_len=0):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))
        if causal_len:
            self.register_buffer('mask', torch.full((causal_len, causal_len), float('-inf')).triu(1))
        else:
            self.mask = None

    def forward(self, x):
        b, n, w = x.shape
        h = self.ln_1(x)
        q, k, v = self.qkv(h).reshape(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) * (w // self.heads) ** -0.5
        if self.mask is not None:
            att = att + self.mask
        h = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, w)
        x = x + self.out(h)
        return x + self.mlp(self.ln_2(x))


class Visual(nn.Module):
    def __init__(self, size=224, patch=32, width=768, layers=12, heads=12, out=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn((size // patch) ** 2 + 1, width) * width ** -0.5)
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.Sequential(*[Block(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, image):
        x = self.conv1(image).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.blocks(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


class Textual(nn.Module):
    def __init__(self, vocab=49408, context=77, width=512, layers=12, heads=8, out=512):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, width)
        self.positional_embedding = nn.Parameter(torch.randn(context, width) * 0.01)
        self.blocks = nn.Sequential(*[Block(width, heads, causal_len=context) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, text):
        ids = text.long()
        x = self.blocks(self.token_embedding(ids) + self.positional_embedding)
        x = self.ln_final(x)
        end = ids.argmax(dim=-1)
        return x[torch.arange(x.shape[0]), end] @ self.text_projection


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else '/tmp/indexer-bench/ViT-B-32-random'
    bpe = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, '..', 'shared', 'models', 'clip-bpe')
    os.makedirs(os.path.join(out, 'visual'), exist_ok=True)
    os.makedirs(os.path.join(out, 'textual'), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(Visual().eval(), torch.randn(1, 3, 224, 224), os.path.join(out, 'visual', 'model.onnx'),
                          input_names=['image'], output_names=['image_embedding'],
                          dynamic_axes={'image': {0: 'batch'}, 'image_embedding': {0: 'batch'}}, opset_version=14)
        text = torch.zeros(1, 77, dtype=torch.int32)
        text[0, :3] = torch.tensor([49406, 320, 49407])
        torch.onnx.export(Textual().eval(), text, os.path.join(out, 'textual', 'model.onnx'),
                          input_names=['text'], output_names=['text_embedding'],
                          dynamic_axes={'text': {0: 'batch'}, 'text_embedding': {0: 'batch'}}, opset_version=14)
    config = {'embed_dim': 512,
              'vision_cfg': {'image_size': 224, 'layers': 12, 'width': 768, 'patch_size': 32},
              'text_cfg': {'context_length': 77, 'vocab_size': 49408, 'width': 512, 'heads': 8, 'layers': 12}}
    preprocess = {'size': [224, 224], 'mode': 'RGB', 'mean': [0.48145466, 0.4578275, 0.40821073],
                  'std': [0.26862954, 0.26130258, 0.27577711], 'interpolation': 'bicubic', 'resize_mode': 'shortest',
                  'fill_color': 0}
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(config, f)
    with open(os.path.join(out, 'visual', 'preprocess_cfg.json'), 'w') as f:
        json.dump(preprocess, f)
    for name in ['tokenizer.json', 'tokenizer_config.json']:
        shutil.copy(os.path.join(bpe, name), os.path.join(out, 'textual', name))
    print('wrote', out)


if __name__ == '__main__':
    main()
