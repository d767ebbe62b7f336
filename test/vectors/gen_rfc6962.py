#!/usr/bin/env python3
"""Independent reference for test/vectors/rfc6962-merkle.json.

Plain recursive definitions copied from the RFC text (RFC 6962 §2.1 = RFC 9162 §2.1),
standard library only, deliberately sharing no code or structure with src/chain/merkle.ts:

  MTH({})        = SHA-256()
  MTH({d(0)})    = SHA-256(0x00 || d(0))
  MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k = largest power of 2 < n
  PATH(m, D[n])  = PATH(m, D[0:k]) : MTH(D[k:n])     if m < k
                 = PATH(m - k, D[k:n]) : MTH(D[0:k]) if m >= k      (PATH(0, {d(0)}) = {})
  PROOF(m, D[n]) = SUBPROOF(m, D[n], true)                          (0 < m < n)
  SUBPROOF(m, D[m], true)  = {}
  SUBPROOF(m, D[m], false) = {MTH(D[m])}
  SUBPROOF(m, D[n], b)     = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          if m <= k
                           = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  if m > k

Also embeds the published vectors of the 8-leaf test tree used by certificate-transparency-go
and transparency-dev/merkle (testonly/constants.go, proof/verify_test.go) and asserts that the
reference above reproduces every one of them before writing anything.

Run from the repository root:  python3 test/vectors/gen_rfc6962.py
"""
import hashlib
import json
import os

MAX_N = 64


def sha256(b):
    return hashlib.sha256(b).digest()


def k_of(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    n = len(d)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + d[0])
    k = k_of(n)
    return sha256(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m, d):
    n = len(d)
    if n == 1:
        return []
    k = k_of(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    return subproof(m, d, True)


def hx(hs):
    return [h.hex() for h in hs]


# --- Published vectors: the RFC 6962 test tree (certificate-transparency-go / transparency-dev).
PUBLISHED_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                    "606162636465666768696a6b6c6d6e6f"]
# RootHashes(): index = tree size, 0..8.
PUBLISHED_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# NodeHashes(): [level][index] of every complete subtree of the 8-leaf tree.
PUBLISHED_NODES = [
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# proof/verify_test.go inclusionProofs; upstream leaf numbers are 1-based, stored here 0-based.
PUBLISHED_INCLUSION = [
    {"index": 0, "size": 1, "proof": []},
    {"index": 0, "size": 8, "proof": [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]},
    {"index": 5, "size": 8, "proof": [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]},
    {"index": 2, "size": 3, "proof": [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]},
    {"index": 1, "size": 5, "proof": [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]},
]
# proof/verify_test.go consistencyProofs (also certificate-transparency-go merkletree tests).
PUBLISHED_CONSISTENCY = [
    {"m": 1, "n": 1, "proof": []},
    {"m": 1, "n": 8, "proof": [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]},
    {"m": 6, "n": 8, "proof": [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]},
    {"m": 2, "n": 5, "proof": [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]},
]


def check_published():
    d = [bytes.fromhex(x) for x in PUBLISHED_LEAVES]
    for n, root in enumerate(PUBLISHED_ROOTS):
        assert mth(d[:n]).hex() == root, ("root", n)
    for level, row in enumerate(PUBLISHED_NODES):
        w = 1 << level
        for i, h in enumerate(row):
            assert mth(d[i * w:(i + 1) * w]).hex() == h, ("node", level, i)
    for v in PUBLISHED_INCLUSION:
        assert hx(path(v["index"], d[:v["size"]])) == v["proof"], ("inclusion", v)
    for v in PUBLISHED_CONSISTENCY:
        got = [] if v["m"] == v["n"] else hx(proof(v["m"], d[:v["n"]]))
        assert got == v["proof"], ("consistency", v)


def main():
    check_published()
    leaves = [("leaf-%d" % i).encode() for i in range(MAX_N)]
    inclusion = []
    consistency = []
    for n in range(1, MAX_N + 1):
        d = leaves[:n]
        for i in range(n):
            inclusion.append({"index": i, "size": n, "proof": hx(path(i, d))})
        for m in range(1, n + 1):
            consistency.append({"m": m, "n": n, "proof": [] if m == n else hx(proof(m, d))})
    out = {
        "description": "RFC 6962 / RFC 9162 §2.1 Merkle tree vectors over SHA-256. Indices are 0-based; "
                       "hashes are lowercase hex. 'published' is the 8-leaf test tree of "
                       "certificate-transparency-go and transparency-dev/merkle; 'generated' comes from "
                       "the recursive RFC definitions in gen_rfc6962.py (stdlib only).",
        "published": {
            "source": "github.com/transparency-dev/merkle testonly/constants.go and proof/verify_test.go "
                      "(same values in github.com/google/certificate-transparency-go merkletree tests)",
            "leaves_hex": PUBLISHED_LEAVES,
            "roots": PUBLISHED_ROOTS,
            "node_hashes": PUBLISHED_NODES,
            "inclusion": PUBLISHED_INCLUSION,
            "consistency": PUBLISHED_CONSISTENCY,
        },
        "generated": {
            "generator": "test/vectors/gen_rfc6962.py",
            "leaves": "UTF-8 bytes of 'leaf-<i>' for i = 0..%d" % (MAX_N - 1),
            "leaf_hashes": hx([mth([x]) for x in leaves]),
            "roots": hx([mth(leaves[:n]) for n in range(MAX_N + 1)]),
            "inclusion": inclusion,
            "consistency": consistency,
        },
    }
    # One record per line: readable diffs without a multi-megabyte pretty-printed file.
    def dump(v):
        return json.dumps(v, separators=(",", ":"))

    lines = ["{"]
    lines.append('"description":%s,' % dump(out["description"]))
    lines.append('"published":%s,' % dump(out["published"]))
    g = out["generated"]
    lines.append('"generated":{')
    for key in ("generator", "leaves", "leaf_hashes", "roots"):
        lines.append('%s:%s,' % (dump(key), dump(g[key])))
    for key, last in (("inclusion", False), ("consistency", True)):
        lines.append('%s:[' % dump(key))
        recs = g[key]
        for j, r in enumerate(recs):
            lines.append(dump(r) + ("," if j + 1 < len(recs) else ""))
        lines.append("]" + ("" if last else ","))
    lines.append("}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # sanity: the hand-assembled layout is valid JSON
    dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rfc6962-merkle.json")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s (%d bytes, %d inclusion, %d consistency)" % (dst, len(text), len(inclusion), len(consistency)))


if __name__ == "__main__":
    main()
