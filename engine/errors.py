"""The one error type of the engine: a ValueError that says what rule broke, as data and as prose.

Every invalid argument raises :class:`EngineError`. ``message`` is an English sentence that names
the value and the rule ("kernel 7 is larger than the padded input 5"); ``code`` is a stable
machine name of the rule ("kernel_too_large"), ``field`` the argument at fault ("weight",
"stride", "layers[2].kernel_size") and ``values`` the numbers the sentence quotes, so a caller
can route the error to a field and say it again in another language without parsing the prose.
"""

from __future__ import annotations

from typing import Any


class EngineError(ValueError):
    """An argument broke a rule of the operation.

    It stays a ``ValueError``, so ``except ValueError`` (and ``pytest.raises(ValueError, match=...)``)
    keep working; ``str(error)`` is the English message.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.values = values

    def at(self, field: str) -> EngineError:
        """The same error re-addressed to ``field`` (a layer of a stack, an element of a request)."""
        return EngineError(self.code, self.message, field=field, **self.values)

    def within(self, where: str, field: str | None = None) -> EngineError:
        """The same error inside a larger whole: the message prefixed by ``where`` ("layer 2: ...")."""
        return EngineError(self.code, f"{where}: {self.message}", field=field or self.field, **self.values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"code", "message", "field", "values"}`` (values made JSON-safe)."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "values": _plain(self.values),
        }


def _plain(value: Any) -> Any:
    """Tuples to lists and NumPy scalars to Python numbers, recursively, so json.dumps takes it."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return repr(value)


CODES: dict[str, str] = {
    # The type of a value
    "not_an_int": "A size, count or index must be a whole number (an int, not a float or a bool).",
    "not_a_number": "The value must be a real number.",
    "not_a_flag": "The switch must be true or false.",
    "not_numeric": "The array must be a rectangular array of numbers.",
    "not_finite": "Every value of the array must be finite (no NaN, no infinity).",
    "not_integer": "The array must hold integers (class indices are counted, never rounded).",
    "not_float": "The array must be of a float dtype.",
    "not_an_array": "The value must be a NumPy array.",
    # Ranges
    "must_be_positive": "The value must be at least the smallest allowed value (usually 1).",
    "must_not_be_negative": "The value must be 0 or more.",
    "out_of_range": "The value lies outside the range the rule allows.",
    "dim_out_of_range": "The axis does not exist in an array of that many dimensions.",
    "start_after_end": "The first axis to flatten comes after the last one.",
    # Shapes
    "bad_shape": "The array does not have the shape the operation needs.",
    "empty_dimension": "Every size of a shape must be at least 1.",
    "shape_mismatch": "Two arrays that must match in shape do not.",
    "channel_mismatch": "The weight's channels do not match the input's channels.",
    "not_divisible_by_groups": "The channels must divide evenly into the groups.",
    "size_mismatch": "The gradient does not hold as many values as the shape it must take.",
    "in_features_mismatch": "The input's last axis does not match the weight's number of input features.",
    # Windows and padding
    "kernel_too_large": "The (dilated) kernel is larger than the padded input.",
    "padding_too_large": "The padding is larger than the rule allows for this mode or kernel.",
    "padding_removes_output": "The padding crops away the whole output.",
    "output_padding_too_large": "output_padding must be smaller than the stride or the dilation.",
    "same_needs_stride_1": "Padding 'same' is only possible with stride 1.",
    "window_only_padding": "A pooling window covers no input cell.",
    # Names from a fixed list
    "unknown_padding": "Padding must be an int, a pair, 'same' or 'valid'.",
    "unknown_padding_mode": "The padding mode is not one of zeros, reflect, replicate, circular.",
    "unknown_activation": "The activation is not one of the known ones.",
    "unknown_op": "The operation has no frames of that name.",
    "unknown_kind": "The kind of generated tensor is not one of the known ones.",
    "unknown_kernel": "There is no named kernel of that name.",
    "unknown_bank": "There is no kernel bank of that name.",
    "unknown_layer_type": "The layer type is not one of the known ones.",
    "unknown_reduction": "The reduction is not one of mean, sum, none.",
    "missing_value": "A value the rule needs was not given.",
    "not_for_this_layer": "The setting does not apply to this kind of layer.",
    # Pooling switches
    "bad_indices": "The max-pooling switches must be integer positions inside the input plane.",
    # Batch normalisation
    "too_few_values": "Training needs more than one value per channel to form a variance.",
    "negative_variance": "A variance can never be negative.",
    "no_batches": "At least one batch is needed.",
    # Kernels and generated tensors
    "kernel_size_not_available": "That named kernel exists only in certain sizes.",
    "even_kernel": "The kernel needs a centre cell, so its size must be odd.",
    # Stacks of layers
    "branch_mismatch": "The branches of a block give outputs that cannot be joined.",
    "unit_outside": "The unit lies outside the layer's output.",
    # The classifier head
    "target_out_of_range": "Every target must be a class index from 0 to the number of classes minus 1.",
    # Optimizers
    "params_not_a_list": "The parameters must be given as a list of arrays.",
    "empty_params": "An optimizer needs at least one parameter array.",
    "read_only": "A parameter array must be writable, since the optimizer updates it in place.",
    "duplicate_param": "The same array is given twice as a parameter.",
    "grad_count_mismatch": "There must be one gradient (or None) per parameter.",
    "betas_not_pair": "betas must be a pair (beta1, beta2).",
    "beta_out_of_range": "Each of Adam's betas must be at least 0 and less than 1.",
    "nesterov_needs_momentum": "Nesterov momentum needs a momentum above 0.",
    "nesterov_needs_zero_dampening": "Nesterov momentum needs dampening 0.",
    # Digit photos
    "no_ink": "Nothing in the picture stands out from the paper as a digit's ink.",
}
"""Every error code the engine raises, with a one-line English description (for translations)."""
