"""The convolution family: conv2d and conv_transpose2d, forward, backward, loop references and frames.

- :mod:`engine.conv.plan`: the plans and their builders, every rule checked from shapes alone
- :mod:`engine.conv.api`: the public functions (arrays in, plan built, one implementation run)
- :mod:`engine.conv.fast` with :mod:`engine.conv.im2col`: the vectorised implementation
- :mod:`engine.conv.reference`: the plain loops it is tested against
- :mod:`engine.conv.frames`, :mod:`engine.conv.backward_frames`, :mod:`engine.conv.transpose_frames`:
  the frame generators, which take a built plan (``*_plan_frames``)
"""

from engine.conv.api import conv2d as conv2d
from engine.conv.api import conv2d_backward as conv2d_backward
from engine.conv.api import conv2d_backward_frames as conv2d_backward_frames
from engine.conv.api import conv2d_frames as conv2d_frames
from engine.conv.api import conv2d_reference as conv2d_reference
from engine.conv.api import conv_transpose2d as conv_transpose2d
from engine.conv.api import conv_transpose2d_backward as conv_transpose2d_backward
from engine.conv.api import conv_transpose2d_frames as conv_transpose2d_frames
from engine.conv.api import conv_transpose2d_reference as conv_transpose2d_reference
from engine.conv.backward_frames import conv2d_backward_plan_frames as conv2d_backward_plan_frames
from engine.conv.frames import conv2d_plan_frames as conv2d_plan_frames
from engine.conv.plan import ConvPlan as ConvPlan
from engine.conv.plan import TransposePlan as TransposePlan
from engine.conv.plan import conv_plan as conv_plan
from engine.conv.plan import transpose_plan as transpose_plan
from engine.conv.transpose_frames import conv_transpose2d_plan_frames as conv_transpose2d_plan_frames
