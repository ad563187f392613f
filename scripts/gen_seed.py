#!/usr/bin/env python3
"""Writes a sandbox seed (JSON) for an account of a given size: regions,
attributes, categories two levels deep, collections (parents, variants,
collections in several categories, attribute values), files linked to
collections, and resources. Deterministic for given sizes.

Usage: scripts/gen_seed.py OUT.json [--collections N] [--categories N]
                           [--attributes N] [--files N] [--file-size N]

The sandbox makes and keeps every file's bytes in memory (`size` of them),
so `--file-size N` (each file N to N + 999 bytes) keeps a large account's
sandbox small; without it file i is 100,000 + i bytes (40 GB for 200,000
files).
"""
import argparse
import json

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--collections", type=int, default=100_000)
p.add_argument("--categories", type=int, default=10_000)
p.add_argument("--attributes", type=int, default=500)
p.add_argument("--files", type=int, default=20_000)
p.add_argument("--file-size", type=int, default=None)
a = p.parse_args()

regions = [{"id": f"r{i}", "name": n, "is_primary": i == 0}
           for i, n in enumerate(["United States", "Canada", "Germany"])]
attributes = [{"id": f"a{i}", "name": f"Attribute {i}", "type": "Text"} for i in range(a.attributes)]
top = max(1, a.categories // 100)
categories = [{"id": f"c{i}", "name": f"Category {i}",
               **({"parent_id": f"c{i % top}"} if i >= top else {})}
              for i in range(a.categories)]
collections = []
for i in range(a.collections):
    c = {"id": f"p{i}", "name": f"Product {i}", "additional_title": f"SKU-{i:07d}",
         "parent_id": f"c{i % a.categories}",
         "attributes": [{"id": f"a{i % a.attributes}", "type": "update", "value": f"value {i}"}]}
    if i % 10 == 0:
        c["collection_type"] = "parent"
    elif i % 10 < 4:
        c["collection_type"] = "variant"
        c["parent_topic_id"] = f"p{i - i % 10}"
    if i % 7 == 0:
        c["direct_parent"] = [f"c{(i + 1) % a.categories}"]
        c["region_ids"] = ["r0", "r1"]
    collections.append(c)
def file_size(i):
    return 100_000 + i if a.file_size is None else a.file_size + i % 1_000


files = [{"id": f"f{i}", "file_name": f"image-{i}.jpg", "mime_type": "image/jpeg",
          "size": file_size(i), "collections": [{"id": f"p{(i * 5) % a.collections}"}]}
         for i in range(a.files)]
resources = [{"id": f"x{i}", "description": f"Guide {i}", "link": f"https://example.com/g/{i}",
              "category_id": f"c{i % a.categories}"} for i in range(100)]
with open(a.out, "w") as f:
    json.dump({"regions": regions, "attributes": attributes, "categories": categories,
               "collections": collections, "files": files, "resources": resources}, f)
