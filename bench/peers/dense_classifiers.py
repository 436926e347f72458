#!/usr/bin/python3
"""Dense peers of the LUT classifier (bench/lut-vs-dense.js): a dense MLP and a small CNN
trained on the same IDX data in PyTorch on the CPU, each for the same wall-clock budget,
then exported to ONNX so that onnxruntime-node can run them in the same runtime as
polychron.

Usage: dense_classifiers.py --train-images F --train-labels F --test-images F
       --test-labels F --seconds S --threads T --out DIR
Writes DIR/<model>.onnx (and DIR/<model>.safetensors: the state dict, as the conversion
bench reads it too) and prints one JSON object (per model: accuracy, bytes,
training time, epochs, PyTorch inference times) on stdout.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if open(path, 'rb').read(2) == b'\x1f\x8b' else open
    with opener(path, 'rb') as f:
        data = f.read()
    zero, kind, dims = struct.unpack('>HBB', data[:4])
    if zero != 0 or kind != 0x08:
        raise SystemExit(f'{path}: not an unsigned-byte IDX file')
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Mlp(nn.Module):
    """784-256-256-10 with ReLU: the usual dense baseline for (Fashion-)MNIST."""

    def __init__(self, inputs, classes, hidden=256):
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, classes)

    def forward(self, x):
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class SmallCnn(nn.Module):
    """Two 3×3 conv layers (32, 64 channels) with max-pooling, then 128 hidden units."""

    def __init__(self, rows, cols, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (rows // 4) * (cols // 4), 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def write_safetensors(model, path):
    """The model's state dict as safetensors (float32), written by hand: the format is an
    8-byte header size, a JSON header and the raw little-endian tensors."""
    header, blobs, offset = {}, [], 0
    for name, tensor in model.state_dict().items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def accuracy(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for first in range(0, len(x), 1000):
            correct += (model(x[first:first + 1000]).argmax(1) == y[first:first + 1000]).sum().item()
    return correct / len(x)


def train(model, x, y, val_x, val_y, seconds, seed):
    """Adam with a cosine rate over the time budget; keeps the best validation state."""
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    best, best_state, epochs, best_seconds = -1.0, None, 0, 0.0
    generator = torch.Generator().manual_seed(seed)
    while time.perf_counter() - start < seconds:
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for first in range(0, len(x), 128):
            progress = min(1.0, (time.perf_counter() - start) / seconds)
            for group in opt.param_groups:
                group['lr'] = 1e-3 * 0.5 * (1 + np.cos(np.pi * progress))
            batch = order[first:first + 128]
            opt.zero_grad()
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            opt.step()
            if time.perf_counter() - start >= seconds:
                break
        epochs += 1
        score = accuracy(model, val_x, val_y)
        if score > best:
            best, best_state = score, {k: v.clone() for k, v in model.state_dict().items()}
            best_seconds = time.perf_counter() - start
    model.load_state_dict(best_state)
    return {'trainSeconds': time.perf_counter() - start, 'secondsToBest': best_seconds, 'epochs': epochs,
            'validationAccuracy': best}


def torch_latency(model, x, batch, repeats):
    model.eval()
    with torch.no_grad():
        for _ in range(3):
            model(x[:batch])
        start = time.perf_counter()
        done = 0
        for _ in range(repeats):
            for first in range(0, len(x) - batch + 1, batch):
                model(x[first:first + batch])
                done += batch
    return (time.perf_counter() - start) / done * 1e9


def main():
    parser = argparse.ArgumentParser()
    for name in ['train-images', 'train-labels', 'test-images', 'test-labels', 'out']:
        parser.add_argument('--' + name, required=True)
    parser.add_argument('--seconds', type=float, required=True)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--models', default='dense-mlp,dense-cnn', help='comma-separated: dense-mlp, dense-cnn')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    images, labels = read_idx(args.train_images), read_idx(args.train_labels)
    test_images, test_labels = read_idx(args.test_images), read_idx(args.test_labels)
    rows, cols = images.shape[1], images.shape[2]
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y_all = torch.from_numpy(labels.astype(np.int64))
    test_x = torch.from_numpy(test_images.astype(np.float32) / 255.0).unsqueeze(1)
    test_y = torch.from_numpy(test_labels.astype(np.int64))
    # The same kind of split as the LUT classifier: 10% of the training set held out.
    order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(args.seed))
    held = len(x_all) // 10
    val_x, val_y = x_all[order[:held]], y_all[order[:held]]
    x, y = x_all[order[held:]], y_all[order[held:]]
    classes = int(labels.max()) + 1
    os.makedirs(args.out, exist_ok=True)
    results = {'torch': torch.__version__, 'numpy': np.__version__, 'threads': args.threads, 'models': []}
    wanted = args.models.split(',')
    candidates = [('dense-mlp', lambda: Mlp(rows * cols, classes)), ('dense-cnn', lambda: SmallCnn(rows, cols, classes))]
    for name, make in candidates:
        if name not in wanted:
            continue
        model = make()
        info = train(model, x, y, val_x, val_y, args.seconds, args.seed)
        info['name'] = name
        info['testAccuracy'] = accuracy(model, test_x, test_y)
        info['parameters'] = sum(p.numel() for p in model.parameters())
        info['modelBytes'] = info['parameters'] * 4
        info['torchNsPerImage'] = {'batch1': torch_latency(model, test_x[:2000], 1, 1),
                                   'batch1024': torch_latency(model, test_x, 1024, 3)}
        path = os.path.join(args.out, name + '.onnx')
        model.eval()
        torch.onnx.export(model, test_x[:1], path, input_names=['images'], output_names=['logits'],
                          dynamic_axes={'images': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
        info['onnx'] = path
        info['safetensors'] = os.path.join(args.out, name + '.safetensors')
        write_safetensors(model, info['safetensors'])
        info['onnxBytes'] = os.path.getsize(path)
        # Inference reads every weight once per input at batch 1.
        info['bytesReadPerInference'] = info['modelBytes']
        info['macsPerInference'] = macs(model, rows, cols)
        results['models'].append(info)
        print(f'{name}: test accuracy {info["testAccuracy"]:.4f} after {info["epochs"]} epochs', file=sys.stderr)
    print(json.dumps(results))


def macs(model, rows, cols):
    if isinstance(model, Mlp):
        return sum(layer.in_features * layer.out_features for layer in [model.fc1, model.fc2, model.fc3])
    conv1 = rows * cols * 32 * 9
    conv2 = (rows // 2) * (cols // 2) * 64 * 32 * 9
    return conv1 + conv2 + model.fc1.in_features * 128 + 128 * model.fc2.out_features


if __name__ == '__main__':
    main()
