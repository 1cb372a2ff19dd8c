# The part of py3langid.langid (0.4.0) the exchange uses: the model, read from its file,
# ranking every language it knows for a text.
from typing import Any

MODEL_FILE: str

class LanguageIdentifier:
    @classmethod
    def from_model_file(
        cls, model_file: str, *args: Any, norm_probs: bool = ..., **kwargs: Any
    ) -> LanguageIdentifier: ...
    @property
    def labels(self) -> list[str]: ...
    def classify(self, text: str | bytes) -> tuple[str, float]: ...
    def rank(self, text: str | bytes) -> list[tuple[str, float]]: ...
