"""Step-by-step frames of every operation: one plain JSON-ready dict per step (see docs/frames.md).

Each generator checks its arguments when called (raising ValueError before any frame), then
yields frames numbered from 0. :func:`frame_count` gives the number of frames from shapes alone;
the ``replay_*`` functions rebuild each operation's result from its frames.
"""

from engine.frames._common import Frame
from engine.frames.conv import conv2d_frames
from engine.frames.conv_backward import conv2d_backward_frames
from engine.frames.conv_transpose import conv_transpose2d_frames
from engine.frames.count import frame_count
from engine.frames.norm import batch_norm_backward_frames, batch_norm_frames
from engine.frames.pool import (
    avg_pool2d_backward_frames,
    avg_pool2d_frames,
    max_pool2d_backward_frames,
    max_pool2d_frames,
)
from engine.frames.replay import (
    replay_avg_pool2d,
    replay_avg_pool2d_backward,
    replay_batch_norm,
    replay_batch_norm_backward,
    replay_conv2d,
    replay_conv2d_backward,
    replay_conv_transpose2d,
    replay_max_pool2d,
    replay_max_pool2d_backward,
)

__all__ = [
    "Frame",
    "avg_pool2d_backward_frames",
    "avg_pool2d_frames",
    "batch_norm_backward_frames",
    "batch_norm_frames",
    "conv2d_backward_frames",
    "conv2d_frames",
    "conv_transpose2d_frames",
    "frame_count",
    "max_pool2d_backward_frames",
    "max_pool2d_frames",
    "replay_avg_pool2d",
    "replay_avg_pool2d_backward",
    "replay_batch_norm",
    "replay_batch_norm_backward",
    "replay_conv2d",
    "replay_conv2d_backward",
    "replay_conv_transpose2d",
    "replay_max_pool2d",
    "replay_max_pool2d_backward",
]
