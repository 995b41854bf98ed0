"""The OpenAI-compatible API through the official `openai` Python package.

Run by openai-python.e2e.test.ts against a running server:
    python openai_python_flow.py BASE_URL API_KEY IMAGE_PATH OUT_DIR
Prints one JSON object with what it saw; the test checks it and probes the files written to OUT_DIR.
"""

import json
import os
import sys
import warnings

import openai
from openai import OpenAI


def expect_error(kind, call):
    try:
        call()
    except kind as error:
        return {"status": error.status_code, "body": error.body}
    raise AssertionError(f"expected {kind.__name__}")


def main():
    # The SDK marks the Videos API deprecated for OpenAI's own service; this server keeps it.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    base_url, api_key, image_path, out_dir = sys.argv[1:5]
    client = OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    seen = {"version": openai.__version__}

    seen["models"] = sorted(model.id for model in client.models.list())

    with open(image_path, "rb") as image:
        video = client.videos.create_and_poll(
            prompt="A kite over the dunes",
            model="preview",
            size="720x720",
            seconds="2",
            input_reference=("reference.png", image.read(), "image/png"),
            poll_interval_ms=50,
        )
    seen["created"] = video.model_dump()

    content = client.videos.download_content(video.id)
    content.write_to_file(os.path.join(out_dir, "python.mp4"))
    thumbnail = client.videos.download_content(video.id, variant="thumbnail")
    thumbnail.write_to_file(os.path.join(out_dir, "python-thumbnail.webp"))

    remix = client.videos.remix(video.id, prompt="A kite in the rain")
    seen["remix"] = client.videos.poll(remix.id, poll_interval_ms=50).model_dump()

    seen["listed"] = [item.id for item in client.videos.list(limit=1, order="asc")]

    seen["deleted"] = client.videos.delete(remix.id).model_dump()
    seen["retrieve_deleted"] = expect_error(openai.NotFoundError, lambda: client.videos.retrieve(remix.id))
    seen["bad_model"] = expect_error(
        openai.BadRequestError, lambda: client.videos.create(prompt="x", model="sora-2")
    )
    seen["bad_size"] = expect_error(
        openai.BadRequestError, lambda: client.videos.create(prompt="x", model="preview", size="1792x1024")
    )
    stranger = OpenAI(base_url=base_url, api_key="vf_wrong", max_retries=0)
    seen["wrong_key"] = expect_error(openai.AuthenticationError, lambda: stranger.videos.list())

    print(json.dumps(seen))


if __name__ == "__main__":
    main()
