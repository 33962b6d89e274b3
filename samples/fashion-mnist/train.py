#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train the Fashion-MNIST sample models and export what the samples use.

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist),
trains with Debian's python3-torch (fixed seeds, 2 threads):

  mlp  784-256-128-10, ReLU
  cnn  conv 1->32 3x3 + BN + ReLU, max pool 2, conv 32->64 3x3 + BN + ReLU,
       max pool 2, fc 3136->128 + ReLU, fc 128->10

and writes into OUTDIR (default: this script's directory):

  mlp.onnx, cnn.onnx     input "input" float32 N x 1 x 28 x 28 (pixel / 255),
                         output "probs" float32 N x 10 (softmax); batch axis
                         dynamic; opset 13; BatchNorm folded by the export
  calibration.npy        float32 256 x 1 x 28 x 28: training images for int8
                         calibration (pixel / 255)
  test-images.u8.gz      the test set: 10000 images of 28 x 28 uint8, raw,
                         row-major, gzip -n (image i at byte 784 * i)
  test-labels.u8         their labels, 10000 uint8 (label i at byte i)
  classes.txt            the ten class names, one a line, in label order
  images/test-NNNN-<class>.png/.pgm   the first test image of each class
                         (8-bit grey; NNNN is its index in the test set)
  train.log              the training log; its lines
                           accuracy <model> fp32 test10000 <pct>
                           accuracy <model> fp32 test<N> <pct>
                         are PyTorch's top-1 accuracy on the whole test set
                         and on its first N images (N in SUBSETS), which
                         evaluate.sh and the samples' tests read

`make fashion-mnist-train` runs it from scratch (a few minutes on 2 cores);
`train.py --data-only` writes everything but the models and the log.
Nothing at run time needs Python: the outputs are committed.
"""

import gzip
import io
import os

# Threads that sleep while waiting: with spinning OpenMP threads, training on
# a machine shared with other work ran ~30 times slower than alone.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]
SEED = 20261202
CALIB = 256
EPOCHS = {"mlp": 6, "cnn": 2}
SUBSETS = [500]	 # the VM test evaluates the first 500 test images


def read_idx(path):
    """An IDX file (the MNIST format): magic, dims, raw uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit("train.py: %s: not an IDX uint8 file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        sys.exit("train.py: %s: %d bytes of data for shape %s" % (path, arr.size, dims))
    return arr.reshape(dims)


def load(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(DATA, prefix + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA, prefix + "-labels-idx1-ubyte.gz"))
    return x.reshape(-1, 1, 28, 28), y


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


class WithSoftmax(nn.Module):
    """What is exported: the class probabilities."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return F.softmax(self.net(x), dim=1)


def to_float(x):
    return torch.from_numpy(x.astype(np.float32) / 255.0)


def predict(net, x):
    net.eval()
    with torch.no_grad():
        return np.concatenate([net(to_float(x[i:i + 1000])).argmax(dim=1).numpy()
                               for i in range(0, len(x), 1000)])


def accuracy(net, x, y):
    return 100.0 * float((predict(net, x) == y).mean())


def train(name, net, xtr, ytr, xte, yte, log):
    gen = torch.Generator().manual_seed(SEED + 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    epochs = EPOCHS[name]
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs - 1), gamma=0.3)
    batch = 64
    t0 = time.time()
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xtr), generator=gen).numpy()
        total = 0.0
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(to_float(xtr[idx])), torch.from_numpy(ytr[idx].astype(np.int64)))
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        sched.step()
        acc = accuracy(net, xte, yte)
        log("%s epoch %d/%d: train loss %.4f, test accuracy %.2f%% (%.0f s)"
            % (name, epoch + 1, epochs, total / len(xtr), acc, time.time() - t0))
    return acc


def export(net, path):
    net = WithSoftmax(net).eval()
    buf = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), buf, opset_version=13,
                      input_names=["input"], output_names=["probs"],
                      dynamic_axes={"input": {0: "N"}, "probs": {0: "N"}},
                      do_constant_folding=True)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return len(buf.getvalue())


def write_png(path, img):
    """8-bit greyscale PNG (zlib, no filter)."""
    h, w = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write_pgm(path, img):
    h, w = img.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h) + img.tobytes())


def slug(name):
    return name.lower().replace("/", "-").replace(" ", "-")


def main():
    args = [a for a in sys.argv[1:] if a != "--data-only"]
    data_only = len(args) != len(sys.argv) - 1
    out = os.path.abspath(args[0] if args else os.path.dirname(__file__))
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    lines = []

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    xtr, ytr = load("train")
    xte, yte = load("test")
    log("fashion-mnist: %d training, %d test images from %s (torch %s, %d threads, seed %d)"
        % (len(xtr), len(xte), DATA, torch.__version__, torch.get_num_threads(), SEED))
    results = {}
    for name, ctor in () if data_only else (("mlp", Mlp), ("cnn", Cnn)):
        torch.manual_seed(SEED)
        net = ctor()
        train(name, net, xtr, ytr, xte, yte, log)
        size = export(net, os.path.join(out, name + ".onnx"))
        log("%s: exported %s.onnx (%d bytes)" % (name, name, size))
        results[name] = predict(net, xte) == yte

    rng = np.random.RandomState(SEED)
    calib = np.sort(rng.choice(len(xtr), CALIB, replace=False))
    np.save(os.path.join(out, "calibration.npy"), xtr[calib].astype(np.float32) / 255.0)
    with open(os.path.join(out, "test-images.u8.gz"), "wb") as f:
        f.write(gzip.compress(np.ascontiguousarray(xte).tobytes(), compresslevel=9, mtime=0))
    with open(os.path.join(out, "test-labels.u8"), "wb") as f:
        f.write(np.ascontiguousarray(yte).tobytes())
    with open(os.path.join(out, "classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    # The first test image of each class.
    for i in sorted(int(np.argmax(yte == k)) for k in range(len(CLASSES))):
        base = os.path.join(out, "images", "test-%04d-%s" % (i, slug(CLASSES[yte[i]])))
        write_png(base + ".png", xte[i, 0])
        write_pgm(base + ".pgm", xte[i, 0])
    log("calibration.npy: %d training images; test set: %d images" % (CALIB, len(xte)))
    if data_only:
        return
    for name in ("mlp", "cnn"):
        for n in [len(xte)] + SUBSETS:
            log("accuracy %s fp32 test%d %.2f" % (name, n, 100.0 * float(results[name][:n].mean())))
    with open(os.path.join(out, "train.log"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
