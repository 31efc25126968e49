"""The pooling family: max and average pooling, forward, backward, loop references and frames.

- :mod:`engine.pool.plan`: the plan, every rule checked and every window laid out from shapes alone
- :mod:`engine.pool.api`: the public functions (arrays in, plan built, one implementation run)
- :mod:`engine.pool.fast`: the vectorised implementation; :mod:`engine.pool.reference`: plain loops
- :mod:`engine.pool.frames`: the step-by-step frames, generated from a built plan (``*_plan_frames``)
"""

from engine.pool.api import avg_pool2d as avg_pool2d
from engine.pool.api import avg_pool2d_backward as avg_pool2d_backward
from engine.pool.api import avg_pool2d_backward_frames as avg_pool2d_backward_frames
from engine.pool.api import avg_pool2d_frames as avg_pool2d_frames
from engine.pool.api import avg_pool2d_reference as avg_pool2d_reference
from engine.pool.api import max_pool2d as max_pool2d
from engine.pool.api import max_pool2d_backward as max_pool2d_backward
from engine.pool.api import max_pool2d_backward_frames as max_pool2d_backward_frames
from engine.pool.api import max_pool2d_frames as max_pool2d_frames
from engine.pool.api import max_pool2d_reference as max_pool2d_reference
from engine.pool.frames import avg_pool2d_backward_plan_frames as avg_pool2d_backward_plan_frames
from engine.pool.frames import avg_pool2d_plan_frames as avg_pool2d_plan_frames
from engine.pool.frames import max_pool2d_backward_plan_frames as max_pool2d_backward_plan_frames
from engine.pool.frames import max_pool2d_plan_frames as max_pool2d_plan_frames
from engine.pool.plan import PoolPlan as PoolPlan
from engine.pool.plan import pool_plan as pool_plan
