"""The runner's wire models against the committed openapi/openapi.json: every property, which ones are
required, and every enum must match, so a change on either side fails here instead of in production."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vidforge_runner.protocol import models

OPENAPI = Path(__file__).resolve().parents[3] / "openapi" / "openapi.json"

# openapi component name -> the runner's model
PAIRS: dict[str, type[BaseModel]] = {
    "RunnerClaimRequest": models.ClaimRequest,
    "RunnerClaimResponse": models.ClaimResponse,
    # RunnerTask is one of these three, told apart by `type` (test_runner_task_is_discriminated_by_type).
    "RunnerGenerateTask": models.RunnerTask,
    "RunnerUpscaleTask": models.RunnerTask,
    "RunnerExtendTask": models.RunnerTask,
    "RunnerSource": models.RunnerSource,
    "RunnerOutputUpload": models.OutputUpload,
    "RunnerHeartbeatRequest": models.HeartbeatRequest,
    "RunnerHeartbeatResponse": models.HeartbeatResponse,
    "RunnerUploadResponse": models.UploadResponse,
    "VideoInfo": models.VideoInfo,
    "RunnerFailRequest": models.FailRequest,
    "RunnerAbortRequest": models.AbortRequest,
    "RunnerSettleResponse": models.SettleResponse,
    "GenerateRequest": models.GenerateRequest,
    "UpscaleRequest": models.UpscaleRequest,
    "ExtendRequest": models.ExtendRequest,
}
# The paths the client calls, with their methods.
PATHS = {
    "/v1/runner/claim": "post",
    "/v1/runner/tasks/{taskId}/heartbeat": "post",
    "/v1/runner/tasks/{taskId}/output": "put",
    "/v1/runner/tasks/{taskId}/uploaded": "post",
    "/v1/runner/tasks/{taskId}/complete": "post",
    "/v1/runner/tasks/{taskId}/fail": "post",
    "/v1/runner/tasks/{taskId}/abort": "post",
    "/v1/runner/sources/{taskId}": "get",
}
TASK_VARIANTS: dict[models.TaskType, str] = {
    "generate": "RunnerGenerateTask",
    "upscale": "RunnerUpscaleTask",
    "extend": "RunnerExtendTask",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI.read_text())
    return loaded


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follows $ref to the named component (`#/components/schemas/X`)."""
    while "$ref" in schema:
        ref: str = schema["$ref"]
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    return resolve(document, document["components"]["schemas"][name])


def enums(document: dict[str, Any], schema: dict[str, Any]) -> set[str] | None:
    """The enum values a property allows (through anyOf/nullable and arrays), or None."""
    schema = resolve(document, schema)
    if "enum" in schema:
        return {str(v) for v in schema["enum"]}
    if "const" in schema:
        return {str(schema["const"])}
    if schema.get("type") == "array" and "items" in schema:
        return enums(document, schema["items"])
    for option in schema.get("anyOf", []):
        found = enums(document, option)
        if found is not None:
            return found
    return None


def model_schema(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    return schema, schema.get("$defs", {})


def pydantic_enums(schema: dict[str, Any], defs: dict[str, Any]) -> set[str] | None:
    if "$ref" in schema:
        return pydantic_enums(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if "enum" in schema:
        return {str(v) for v in schema["enum"]}
    if "const" in schema:
        return {str(schema["const"])}
    if schema.get("type") == "array" and "items" in schema:
        return pydantic_enums(schema["items"], defs)
    for option in schema.get("anyOf", []):
        found = pydantic_enums(option, defs)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_model_matches_openapi(document: dict[str, Any], name: str) -> None:
    wire = component(document, name)
    schema, defs = model_schema(PAIRS[name])
    assert set(schema["properties"]) == set(wire["properties"]), f"{name}: properties differ"
    is_request = name.endswith("Request") or name in ("GenerateRequest", "UpscaleRequest", "ExtendRequest")
    wire_required = set(wire.get("required", []))
    ours_required = set(schema.get("required", []))
    if is_request:
        # What we send (or must accept in a task) needs no more than the contract requires.
        assert ours_required == wire_required, f"{name}: required fields differ"
    else:
        # Answers: every field the server always sends is one we may rely on, and we require no other.
        assert ours_required <= wire_required, f"{name}: we require fields the server may omit"
    for prop, wire_prop in wire["properties"].items():
        ours = pydantic_enums(schema["properties"][prop], defs)
        theirs = enums(document, wire_prop)
        if prop == "request":  # parsed by the request model of the task's type (tested on its own)
            continue
        if name in TASK_VARIANTS.values() and prop == "type":  # one type per variant; ours takes all three
            assert theirs is not None and theirs <= (ours or set()), f"{name}.type: {theirs} not in {ours}"
            continue
        assert ours == theirs, f"{name}.{prop}: enum {ours} != {theirs}"


def test_nested_objects_match(document: dict[str, Any]) -> None:
    """The settings/config objects inside the API requests and the task's output object."""
    generate = component(document, "GenerateRequest")["properties"]
    assert set(resolve(document, generate["settings"])["properties"]) == set(models.GenerateSettings.model_fields)
    assert set(resolve(document, generate["config"])["properties"]) == set(models.GenerateConfig.model_fields)
    extend = component(document, "ExtendRequest")["properties"]
    assert set(resolve(document, extend["settings"])["properties"]) == set(models.ExtendSettings.model_fields)
    assert set(resolve(document, extend["config"])["properties"]) == set(models.ExtendConfig.model_fields)
    upscale = component(document, "UpscaleRequest")["properties"]
    assert set(resolve(document, upscale["config"])["properties"]) == set(models.UpscaleConfig.model_fields)
    for variant in TASK_VARIANTS.values():
        output = resolve(document, component(document, variant)["properties"]["output"])
        assert set(output["properties"]) == set(models.TaskOutput.model_fields)


def test_runner_task_is_discriminated_by_type(document: dict[str, Any]) -> None:
    """RunnerTask is one variant per type, each with the request model of that type."""
    task = document["components"]["schemas"]["RunnerTask"]
    assert task["discriminator"]["propertyName"] == "type"
    assert {ref.rsplit("/", 1)[1] for ref in task["discriminator"]["mapping"].values()} == set(TASK_VARIANTS.values())
    for task_type, variant in TASK_VARIANTS.items():
        properties = component(document, variant)["properties"]
        assert properties["type"]["const"] == task_type
        request = properties["request"]["$ref"].rsplit("/", 1)[1]
        assert request == models.REQUEST_MODELS[task_type].__name__, f"{variant}.request is {request}"
    assert set(models.REQUEST_MODELS) == set(TASK_VARIANTS)


def test_claim_states_the_protocol_version(document: dict[str, Any]) -> None:
    claim = component(document, "RunnerClaimResponse")
    assert "protocolVersion" in claim["required"]
    assert f"({models.PROTOCOL_VERSION})" in claim["properties"]["protocolVersion"]["description"]


def test_client_paths_exist(document: dict[str, Any]) -> None:
    for path, method in PATHS.items():
        assert method in document["paths"][path], f"{method.upper()} {path} is not in the OpenAPI document"


def test_extra_answer_fields_are_ignored_but_unknown_request_fields_are_not() -> None:
    answer = models.HeartbeatResponse.model_validate({"cancelled": False, "leaseExpiresAt": 1, "later": True})
    assert answer.cancelled is False
    with pytest.raises(ValueError):
        models.GenerateRequest.model_validate({"prompt": "x", "settings": {"aspect_ratio": "1:1"}})
