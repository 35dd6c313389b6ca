"""The base of every scenario model (its own module so that section modules can import it)."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every scenario model: strict keys, immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
