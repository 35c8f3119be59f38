"""Checks Gantry's attestations with independent implementations.

usage: interop.py PUBLIC_KEY.pem ENVELOPE.json [ENVELOPE.json ...] --bom BOM.json
Prints OK, or an error and exits 1.
"""
import base64
import json
import sys

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

args = sys.argv[1:]
bom_path = args[args.index("--bom") + 1]
key_path, envelopes = args[0], args[1:args.index("--bom")]
public = load_pem_public_key(open(key_path, "rb").read())

for path in envelopes:
    data = json.load(open(path))
    keyid = data["signatures"][0]["keyid"]
    # securesystemslib matches signatures to keys by keyid (a hint in DSSE): use Gantry's.
    key = SSlibKey.from_crypto(public, keyid=keyid, scheme="ed25519")
    envelope = Envelope.from_dict(json.loads(json.dumps(data)))  # from_dict consumes its argument
    accepted = envelope.verify([key], 1)
    assert keyid in accepted, f"{path}: not verified"
    # And by hand, from the spec: Ed25519 over PAE(payloadType, payload).
    body = base64.b64decode(data["payload"])
    pae = b"DSSEv1 %d %s %d %s" % (len(data["payloadType"]), data["payloadType"].encode(), len(body), body)
    public.verify(base64.b64decode(data["signatures"][0]["sig"]), pae)
    statement = json.loads(body)
    assert statement["_type"] == "https://in-toto.io/Statement/v1", statement["_type"]

errors = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(bom_path).read())
if errors is not None:
    print(f"CycloneDX 1.5 schema: {errors}")
    sys.exit(1)
print("OK")
