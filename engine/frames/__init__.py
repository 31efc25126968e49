"""What every frame generator shares: the frame type, the cell helpers, and replay.

A frame is one plain JSON-ready dict per step (see docs/frames.md). The generators live with
their operation (``engine.conv``, ``engine.pool``, ``engine.norm``) and, after their last frame,
return the result their frames assembled (:data:`Frames`); :func:`engine.frame_count` gives the
number of frames from shapes alone; the ``replay_*`` functions rebuild each operation's result
from its frames.
"""

from engine.frames.cells import Frame as Frame
from engine.frames.cells import Frames as Frames
from engine.frames.replay import replay_avg_pool2d as replay_avg_pool2d
from engine.frames.replay import replay_avg_pool2d_backward as replay_avg_pool2d_backward
from engine.frames.replay import replay_batch_norm as replay_batch_norm
from engine.frames.replay import replay_batch_norm_backward as replay_batch_norm_backward
from engine.frames.replay import replay_conv2d as replay_conv2d
from engine.frames.replay import replay_conv2d_backward as replay_conv2d_backward
from engine.frames.replay import replay_conv_transpose2d as replay_conv_transpose2d
from engine.frames.replay import replay_max_pool2d as replay_max_pool2d
from engine.frames.replay import replay_max_pool2d_backward as replay_max_pool2d_backward
