#!/usr/bin/env python3
"""Makes an int8 (dynamically quantized) variant of a CLIP model directory, and keeps it only if its embeddings
stay within cosine 0.99 of the float32 model's (checked by `indexer models verify VARIANT --against ORIGINAL`).

Every MatMul whose weight is a constant becomes ORT's dynamic quantization pattern: the activation is quantized at
run time (DynamicQuantizeLinear, uint8), the weight ahead of time (symmetric int8, per output column), multiplied
with MatMulInteger, and scaled back to float. Convolutions and everything else stay float32.

Needs Debian's python3-onnx and python3-numpy, and a built indexer (npm run build):
  /usr/bin/python3 scripts/quantize-int8.py MODEL_DIR [OUT_DIR]      (default OUT_DIR: MODEL_DIR-int8)
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def quantize_graph(model):
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes, new_inits, done = [], [], 0
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == 'MatMul' and len(node.input) == 2 else None
        w = numpy_helper.to_array(weight) if weight is not None else None
        if w is None or w.ndim != 2 or w.dtype != np.float32:
            new_nodes.append(node)
            continue
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0  # one scale per output column
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        p = f'{node.name or node.output[0]}_q{done}'
        new_inits += [
            numpy_helper.from_array(q, p + '_w'),
            numpy_helper.from_array(np.array(0, np.int8), p + '_wzp'),
            numpy_helper.from_array(scale.astype(np.float32), p + '_ws'),
        ]
        a = node.input[0]
        new_nodes += [
            helper.make_node('DynamicQuantizeLinear', [a], [p + '_a', p + '_as', p + '_azp']),
            helper.make_node('MatMulInteger', [p + '_a', p + '_w', p + '_azp', p + '_wzp'], [p + '_i32']),
            helper.make_node('Cast', [p + '_i32'], [p + '_f'], to=TensorProto.FLOAT),
            helper.make_node('Mul', [p + '_f', p + '_as'], [p + '_fa']),
            helper.make_node('Mul', [p + '_fa', p + '_ws'], list(node.output)),
        ]
        done += 1
    used = {i for n in new_nodes for i in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    return done


def main():
    src = os.path.abspath(sys.argv[1])
    out = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else src.rstrip('/') + '-int8'
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns('*.onnx', '.indexer-manifest.json'))
    for part in ['visual', 'textual']:
        model = onnx.load(os.path.join(src, part, 'model.onnx'))
        n = quantize_graph(model)
        onnx.save(model, os.path.join(out, part, 'model.onnx'))
        print(f'{part}: {n} MatMuls quantized to int8')
    check = subprocess.run(['node', os.path.join(REPO, 'bin', 'indexer.js'), 'models', 'verify', out, '--against', src])
    if check.returncode != 0:
        shutil.rmtree(out)
        sys.exit(f'int8 variant removed: its embeddings differ from the float32 model by more than cosine 0.99')
    print('wrote', out)


if __name__ == '__main__':
    main()
