"""The batch-norm family: forward (pure), backward, several training steps, and frames.

- :mod:`engine.norm.plan`: the plan, every rule checked from shapes and settings alone
- :mod:`engine.norm.api`: the public functions (arrays in, plan built, one implementation run)
- :mod:`engine.norm.fast`: the vectorised implementation; :mod:`engine.norm.frames`: the frames,
  generated from a built plan (``*_plan_frames``)
"""

from engine.norm.api import batch_norm as batch_norm
from engine.norm.api import batch_norm_backward as batch_norm_backward
from engine.norm.api import batch_norm_backward_frames as batch_norm_backward_frames
from engine.norm.api import batch_norm_frames as batch_norm_frames
from engine.norm.api import batch_norm_training_steps as batch_norm_training_steps
from engine.norm.frames import batch_norm_backward_plan_frames as batch_norm_backward_plan_frames
from engine.norm.frames import batch_norm_plan_frames as batch_norm_plan_frames
from engine.norm.plan import NormPlan as NormPlan
from engine.norm.plan import check_running_var as check_running_var
from engine.norm.plan import norm_backward_plan as norm_backward_plan
from engine.norm.plan import norm_plan as norm_plan
