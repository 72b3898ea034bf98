#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ (run from anywhere):

    python3 fuzz/make_seeds.py build/libtdcm.so

Reader seeds (csv, npy, idx) start with one byte of reader options (see
fuzz_reader.cpp). Model seeds are real files from the library (through ctypes)
plus the regression inputs of the loader's two findings, which name what each
once did. Everything is deterministic: the same library gives the same files.
"""
import ctypes
import gzip
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(kind, name, data):
    os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    with open(os.path.join(CORPUS, kind, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


# ---------------------------------------------------------------- params
def params_seeds(canonical):
    for name, text in [
        ("default", "k=3 epochs=50 seed=1"),
        ("kmeans", "algo=kmeans k=5 n_init=2 max_iter=10 tol=0 standardize=true"),
        ("paper-lenet", "preset=paper k=10 encoder=lenet input_shape=1x28x28 embed_dim=16 epochs=10"),
        ("augment", "input_shape=3x32x32 aug_crop=0.5 aug_shift=2 aug_flip=true contrastive=1 "
                    "contrastive_tau=0.2 pretrain_epochs=3 reconstruction=0.5"),
        ("extremes", "seed=18446744073709551615 lr=10 tau=1e6 threads=1024 chunk_rows=1 "
                     "infer_blocks=0 infer_tau=0 restart_rows=0 embed_dim=65536 hidden=65536"),
        ("bad", "k=0 embed_dim=-1 tau=nan device=cuda:99 unknown=1 init="),
        ("canonical", canonical),
    ]:
        put("params", name, text.encode())


# ---------------------------------------------------------------- csv
def csv_seeds():
    put("csv", "plain", b"1" + b"1,2\n3,4\n5,6\n")
    put("csv", "header-labels", b"0" + b"x0,x1,label\n1.5,-2,0\n3e-2,4,1\n")
    put("csv", "specials", b"1" + b' +1 , "2"\r\n-inf,nan\n1e999,-1e-999\n\n')
    put("csv", "label-first", b"2" + b"7,0.5,0.25\n-3,1,2\n")
    put("csv", "gzip", b"0" + gz(b"a,b,c\n1,2,3\n4,5,6\n"))


# ---------------------------------------------------------------- npy
def npy(descr, shape, body, major=1):
    dims = "".join(f"{s}, " if len(shape) == 1 else f"{s}," for s in shape).rstrip(",")
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}"
    prefix = 10 if major == 1 else 12
    header += " " * ((-(prefix + len(header) + 1)) % 64) + "\n"
    size = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + size + header.encode("latin1") + body


def npy_seeds():
    f4 = npy("<f4", (3, 2), struct.pack("<6f", 1, 2, 3, 4, 5.5, -6))
    put("npy", "f4-2d", b"0" + f4)
    put("npy", "f8-1d-v2", b"0" + npy("<f8", (4,), struct.pack("<4d", 0.5, -1e300, 1e-310, 7), 2))
    put("npy", "u1-images", b"1" + npy("|u1", (2, 4, 4), bytes(range(0, 256, 8))))
    put("npy", "f4-4d-v3", b"0" + npy("<f4", (1, 1, 2, 2), struct.pack("<4f", 1, 2, 3, 4), 3))
    put("npy", "gzip", b"0" + gz(f4))


# ---------------------------------------------------------------- idx
def idx(code, dims, body):
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + body


def idx_seeds():
    images = None
    path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    if os.path.exists(path):
        with gzip.open(path) as f:
            raw = f.read(16 + 2 * 28 * 28)
        images = idx(0x08, (2, 28, 28), raw[16:])
    else:
        images = idx(0x08, (2, 4, 4), bytes(range(32)))
    put("idx", "ubyte-images", b"1" + images)
    put("idx", "ubyte-labels", b"0" + idx(0x08, (5,), bytes([9, 2, 1, 1, 6])))
    put("idx", "float-2d", b"0" + idx(0x0D, (2, 3), struct.pack(">6f", 1, -2, 3.5, 0, 1e-40, 6)))
    put("idx", "double-2d", b"0" + idx(0x0E, (2, 2), struct.pack(">4d", 1, 1e300, -3, 4)))
    put("idx", "short-int-byte", b"0" + idx(0x0B, (3,), struct.pack(">3h", -1, 2, 32767)))
    put("idx", "int-1d", b"0" + idx(0x0C, (2,), struct.pack(">2i", -2147483648, 7)))
    put("idx", "byte-3d", b"0" + idx(0x09, (1, 2, 2), bytes([0x80, 0x7F, 0, 1])))
    put("idx", "gzip", b"1" + gz(images))


# ---------------------------------------------------------------- model
def model_file(version, params, input_dim, tensors):
    """The model file format (README, "Model file"); tensors: (name, dims, floats)."""
    def s(b):
        return struct.pack("<I", len(b)) + b
    payload = s(version.encode()) + s(params.encode()) + struct.pack("<qI", input_dim, len(tensors))
    for name, dims, values in tensors:
        payload += s(name.encode()) + struct.pack("<BI", 1, len(dims))
        payload += b"".join(struct.pack("<q", d) for d in dims)
        payload += struct.pack(f"<{len(values)}f", *values)
    head = b"TDCMMODL" + struct.pack("<IQ", 1, len(payload)) + payload
    h = 1469598103934665603
    for c in head:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return head + struct.pack("<Q", h)


def model_seeds(lib):
    tdcm = ctypes.CDLL(lib)
    tdcm.tdcm_last_error.restype = ctypes.c_char_p
    p = ctypes.c_void_p

    def ok(status):
        if status != 0:
            sys.exit("tdcm: " + tdcm.tdcm_last_error().decode())

    def fitted(params, n, d, adapt):
        m = p()
        ok(tdcm.tdcm_create(ctypes.byref(m), params.encode()))
        x = (ctypes.c_float * (n * d))(*[((i * 37) % 101) / 10.0 - 5 for i in range(n * d)])
        ok(tdcm.tdcm_fit(m, x, ctypes.c_int64(n), ctypes.c_int64(d), None))
        if adapt:
            ok(tdcm.tdcm_adapt(m, x, ctypes.c_int64(n), ctypes.c_int64(d)))
        return m

    with tempfile.TemporaryDirectory() as tmp:
        for name, params, n, d, adapt in [
            ("tdcm-default", "k=3 seed=1", 30, 2, False),
            ("tdcm-mlp-adapted", "k=3 encoder=mlp hidden=8 embed_dim=4 epochs=1 standardize=true "
                                 "seed=2", 30, 3, True),
            ("tdcm-unshared", "k=2 blocks=2 share_blocks=false symmetric=false embed_dim=3 "
                              "init=identity seed=3", 20, 2, True),
            ("kmeans-adapted", "algo=kmeans k=3 n_init=2 standardize=true", 30, 2, True),
            ("tdcm-lenet", "k=3 encoder=lenet input_shape=1x16x16 embed_dim=4 seed=4", 6, 256,
             False),
        ]:
            m = fitted(params, n, d, adapt)
            path = os.path.join(tmp, name)
            ok(tdcm.tdcm_save(m, path.encode()))
            tdcm.tdcm_destroy(m)
            with open(path, "rb") as f:
                put("model", name, f.read())

        # What a default model file holds, for the regressions below.
        m = fitted("k=3 seed=1", 30, 2, False)
        size = ctypes.c_size_t()
        tdcm.tdcm_get_params(m, None, ctypes.c_size_t(0), ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        ok(tdcm.tdcm_get_params(m, buf, size, None))
        tdcm.tdcm_destroy(m)
    canonical = buf.value.decode()

    # Finding 1: a tensor with a zero dimension reached memcpy with a null pointer.
    put("model", "regression-zero-dim-tensor",
        model_file("0.1.0", "k=3 encoder=linear embed_dim=4", 2,
                   [("encoder.0.weight", [4, 0], []), ("encoder.0.bias", [0], [])]))
    # Finding 2: the net of the declared sizes was allocated before any tensor was
    # compared with it. Before the fix these asked LibTorch for 5.6e14 bytes (2^40
    # inputs through the paper's MLP), 8.6e9 bytes (2^27 inputs, linear) and 1.7e10
    # bytes (a 65536 x 65536 identity); where the allocation succeeds, it is made.
    put("model", "regression-input-dim-2p40", model_file("0.1.0", "k=3", 1 << 40, []))
    put("model", "regression-input-dim-2p27", model_file("0.1.0", canonical, 1 << 27, []))
    put("model", "regression-embed-dim-65536",
        model_file("0.1.0", "k=3 encoder=linear embed_dim=65536", 2, []))
    return canonical


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    canonical = model_seeds(sys.argv[1])
    params_seeds(canonical)
    csv_seeds()
    npy_seeds()
    idx_seeds()


if __name__ == "__main__":
    main()
