"""The base of every scenario model (its own module so that section modules can import it)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class Model(BaseModel):
    """Base of every scenario model: strict keys, immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
