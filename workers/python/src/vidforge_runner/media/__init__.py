"""ffmpeg and ffprobe as child processes (never in-process): probing, decoding frames, encoding the output."""
