"""Tiny LTX-2 checkpoints built from configs with random weights, for offline tests and `gpu_check --tiny`.

The diffusers tests download `hf-internal-testing/tiny-gemma3`; nothing may be downloaded here, so the
Gemma-3 text encoder and its tokenizer are built in code. `save_tiny_ltx2` writes a directory with the
layout of the published `Lightricks/LTX-2` repository (model_index.json, one folder per component,
`latent_upsampler/`), so tests load it through the same `from_pretrained` code as the real weights.
"""

from __future__ import annotations

import string
from pathlib import Path

import torch
from diffusers import (
    AutoencoderKLLTX2Audio,
    AutoencoderKLLTX2Video,
    FlowMatchEulerDiscreteScheduler,
    LTX2Pipeline,
    LTX2VideoTransformer3DModel,
)
from diffusers.pipelines.ltx2 import LTX2LatentUpsamplerModel, LTX2TextConnectors
from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
from transformers import Gemma3Config, Gemma3ForConditionalGeneration, GemmaTokenizer

# Hidden size of the tiny Gemma-3 text model: the transformer's caption_channels must match it.
TEXT_HIDDEN = 32
TEXT_LAYERS = 2


def tiny_tokenizer() -> GemmaTokenizer:
    """A Gemma tokenizer over single characters: enough for prompts to become several distinct tokens."""
    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    symbols = ["▁", *string.ascii_lowercase, *string.ascii_uppercase, *string.digits, *".,!?'-"]
    vocab = {token: index for index, token in enumerate(specials + symbols)}
    return GemmaTokenizer(vocab=vocab, merges=[])


def tiny_text_encoder(vocab_size: int) -> Gemma3ForConditionalGeneration:
    config = Gemma3Config(
        text_config={
            "vocab_size": vocab_size,
            "hidden_size": TEXT_HIDDEN,
            "intermediate_size": 32,
            "num_hidden_layers": TEXT_LAYERS,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 8,
            "max_position_embeddings": 256,
            "sliding_window": 64,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        mm_tokens_per_image=4,
        boi_token_index=vocab_size - 3,
        eoi_token_index=vocab_size - 2,
        image_token_index=vocab_size - 1,
    )
    return Gemma3ForConditionalGeneration(config)


def tiny_ltx2_pipeline(seed: int = 0) -> LTX2Pipeline:
    """The component shapes follow diffusers' own LTX-2 fast tests (tests/pipelines/ltx2)."""
    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    # A few spare ids past the tokenizer for the image marker tokens the Gemma-3 config reserves.
    text_encoder = tiny_text_encoder(vocab_size=len(tokenizer) + 3)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4,
        out_channels=4,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=4,
        audio_out_channels=4,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=2,
        qk_norm="rms_norm_across_heads",
        caption_channels=TEXT_HIDDEN,
        rope_double_precision=False,
        rope_type="split",
    )
    connectors = LTX2TextConnectors(
        caption_channels=TEXT_HIDDEN,
        text_proj_in_factor=TEXT_LAYERS + 1,
        video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8,
        video_connector_num_layers=1,
        video_connector_num_learnable_registers=None,
        audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8,
        audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32,
        rope_theta=10000.0,
        rope_double_precision=False,
        causal_temporal_positioning=False,
        rope_type="split",
    )
    # Unlike the diffusers fast tests (2x, inconsistent encoder/decoder strides), this VAE compresses
    # like the real one: 4x4 patches then three 2x spatio-temporal stages = 32x spatial, 8x temporal.
    # So frame snapping and size rules are exercised as in production, and a 64x32 clip is 2 tokens a frame.
    vae = AutoencoderKLLTX2Video(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        block_out_channels=(8, 8, 8),
        down_block_types=("LTX2VideoDownBlock3D",) * 3,
        decoder_block_out_channels=(8, 8, 8),
        layers_per_block=(1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True),
        decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False),
        downsample_type=("spatiotemporal",) * 3,
        upsample_type=("spatiotemporal",) * 3,
        upsample_residual=(False, False, False),
        upsample_factor=(1, 1, 1),
        timestep_conditioning=False,
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
        # Reflect padding needs latents wider than 1; a 32-pixel side is 1 latent pixel here.
        decoder_spatial_padding_mode="zeros",
    )
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4,
        output_channels=2,
        ch_mult=(1,),
        num_res_blocks=1,
        attn_resolutions=None,
        in_channels=2,
        resolution=32,
        latent_channels=2,
        norm_type="pixel",
        causality_axis="height",
        dropout=0.0,
        mid_block_add_attention=False,
        sample_rate=16000,
        mel_hop_length=160,
        is_causal=True,
        mel_bins=8,
    )
    vocoder = LTX2Vocoder(
        in_channels=2 * 8,
        hidden_channels=32,
        out_channels=2,
        upsample_kernel_sizes=[4, 4],
        upsample_factors=[2, 2],
        resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1,
        output_sampling_rate=16000,
    )
    # Random decoder weights paint per-pixel noise, which H.264 encodes slowly (5.5 s for a 2 s
    # 720p clip on 2 cores, measured). Damped output weights give low-contrast pictures that still
    # differ by seed (2.1 s for the same clip), so the tests' time goes to the model and protocol.
    with torch.no_grad():
        vae.decoder.conv_out.conv.weight.mul_(0.01)
    return LTX2Pipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        audio_vae=audio_vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        connectors=connectors,
        transformer=transformer,
        vocoder=vocoder,
    )


def tiny_latent_upsampler() -> LTX2LatentUpsamplerModel:
    return LTX2LatentUpsamplerModel(in_channels=4, mid_channels=32, num_blocks_per_stage=1)


def save_tiny_ltx2(directory: Path, seed: int = 0) -> Path:
    """Writes a complete tiny checkpoint (pipeline + latent_upsampler/) to `directory` and returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    pipeline = tiny_ltx2_pipeline(seed)
    pipeline.save_pretrained(str(directory))
    torch.manual_seed(seed + 1)
    tiny_latent_upsampler().save_pretrained(str(directory / "latent_upsampler"))
    return directory
