"""Validates a STAC Item with stac-pydantic (core STAC 1.x Item model): exit 0 if valid, else
prints the errors and exits 1. Usage: validate_stac_item.py ITEM.json"""
import json
import sys

from stac_pydantic import Item

with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
try:
    item = Item.model_validate(doc)
except Exception as error:  # pydantic.ValidationError lists every problem
    print(error, file=sys.stderr)
    sys.exit(1)
print(f"valid STAC {item.stac_version} Item {item.id} with assets {sorted(item.assets)}")
