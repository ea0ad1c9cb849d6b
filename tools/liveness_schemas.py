"""Writes the liveness JSON Schemas (schemas/vlens-liveness, schemas/veriface-liveness) and adds
the liveness parts to schemas/veriface-compare, from the compare schemas, so the shared parts
(faces, errors, services) stay one definition. Run after changing a liveness shape:
    python3 tools/liveness_schemas.py
"""
import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
S = ROOT / "schemas"

FRAME_CODES = ["FACE_NOT_FOUND", "TOO_MANY_FACES", "FACE_TOO_SMALL", "FACE_TOO_CLOSE",
               "FACE_CLOSE_TO_BORDER", "FACE_CROPPED", "FACE_ANGLE_TOO_LARGE", "EYES_CLOSED",
               "FACE_IS_OCCLUDED", "FACE_NOT_LIVE"]
SEQUENCE_CODES = ["NOT_SAME_PERSON", "REPLAYED_STILL", "PLANAR_MOTION_ONLY", "SCREEN_TEXTURE"]
ERROR_CODES = ["EMPTY_INPUT", "NOT_BASE64", "UNSUPPORTED_FORMAT", "CORRUPT_IMAGE",
               "IMAGE_TOO_LARGE", "BAD_FRAME", "NO_FACE", "MULTIPLE_FACES", "BAD_PARAMETER",
               "MODEL_HASH_MISMATCH", "UNKNOWN_MODEL", "INFERENCE_FAILED"]


def obj(props, required=None):
    return {"type": "object", "properties": props,
            "required": list(props) if required is None else required,
            "additionalProperties": False}


def load(name):
    return json.loads((S / name).read_text())


def save(name, schema):
    (S / name).write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


compare = load("veriface-compare.schema.json")
success = compare["oneOf"][0]
face = success["properties"]["face_a"]
timings = success["properties"]["timings"]
timings["properties"]["liveness_ms"] = {"type": "number", "minimum": 0}
number = {"type": "number"}
check = obj({"code": {"enum": FRAME_CODES}, "value": number, "threshold": number,
             "passed": {"type": "boolean"}})
frame = obj({
    "image_width": {"type": "integer"}, "image_height": {"type": "integer"},
    "face": {"oneOf": [face, {"type": "null"}]},
    "pose": {"oneOf": [obj({"yaw": number, "pitch": number, "roll": number}), {"type": "null"}]},
    "eyes_open": {"oneOf": [{"type": "array", "items": number, "minItems": 2, "maxItems": 2},
                            {"type": "null"}]},
    "live": {"type": ["number", "null"]},
    "high_frequency": {"type": ["number", "null"]},
    "checks": {"type": "array", "items": check},
    "passed": {"type": "boolean"},
    "timings": timings,
})
success["properties"]["liveness"] = frame  # only with check_liveness; not required
compare_result = copy.deepcopy(success)
for k in ["transaction_id", "request_id", "client_transaction_id", "timestamp", "error"]:
    compare_result["properties"].pop(k)
    compare_result["required"].remove(k)
save("veriface-compare.schema.json", compare)

ids = {k: success["properties"][k] for k in
       ["transaction_id", "request_id", "client_transaction_id", "timestamp"]}
sequence = obj({"code": {"enum": SEQUENCE_CODES}, "value": number, "threshold": number,
                "passed": {"type": "boolean"}, "decisive": {"type": "boolean"}})
live_ok = obj({
    **ids,
    "is_live": {"type": "boolean"},
    "live_mean": number,
    "span_ms": {"type": ["number", "null"]},
    "frames": {"type": "array", "items": frame, "minItems": 2, "maxItems": 5},
    "sequence": {"type": "array", "items": sequence},
    "id_match": {"oneOf": [compare_result, {"type": "null"}]},
    "verified": {"type": "boolean"},
    "presentation_attack": {"type": "boolean"},
    "decision_rule": {"type": "string", "minLength": 1},
    "timings": timings,
    "error": {"type": "null"},
})
error = copy.deepcopy(compare["oneOf"][1])
save("veriface-liveness.schema.json", {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://veriface.dev/schemas/veriface-liveness.schema.json",
    "title": "veriface liveness response (success and error)",
    "description": "Every frame check and sequence check with value, threshold and verdict; the ID match with its evidence when an ID front was given; or an error with its stable code.",
    "oneOf": [live_ok, error],
})

vlens = load("vlens-compare.schema.json")
services = vlens["properties"]["services"]
data_ids = {k: vlens["properties"]["data"]["properties"][k]
            for k in ["transaction_id", "request_id", "client_transaction_id"]}
nullable_object = {"type": ["object", "null"]}
save("vlens-liveness.schema.json", {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://veriface.dev/schemas/vlens-liveness.schema.json",
    "title": "Vlens POST /v1/ocr/liveness/multi response (success and error)",
    "description": "Shape of ../shared/seeds/001_d9c0c4b864cebb06.txt. services.liveness is the decision, services.spoofing.fake whether an anti-spoofing cue failed, data.isDigitalIdentityVerified live and matching the ID front (null without one). OCR data (user, idFrontData, idBackData) and deviceInfo are not evaluated: null.",
    **obj({
        "services": services,
        "data": obj({
            **data_ids,
            "isVerificationProcessCompleted": {"type": "boolean"},
            "isDigitalIdentityVerified": {"type": ["boolean", "null"]},
            "deviceInfo": {"type": ["string", "null"]},
            "user": nullable_object,
            "idFrontData": nullable_object,
            "idBackData": nullable_object,
        }),
        "error_code": {"type": "integer"},
        "error_message": {"type": "string"},
        "error_descriptions": {"oneOf": [{"type": "array", "items": {"enum": FRAME_CODES + SEQUENCE_CODES}},
                                         {"type": "null"}]},
    }),
})
print("wrote", ", ".join(["veriface-compare", "veriface-liveness", "vlens-liveness"]))
