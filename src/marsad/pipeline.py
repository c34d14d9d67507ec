"""Pipeline stages, registered by name, and the :class:`Pipeline` that runs them.

A stage is a factory that, given its configuration, returns a callable
``Document -> Document``. Built-in stages register exactly as a plugin would::

    @register_stage("sentences", assigns=("sentences",))
    def make_sentence_splitter(config: StageConfig) -> Stage: ...

Built-in stage modules are imported lazily (a stage's model loads only when the stage is
used); third-party stages can register through the ``marsad.stages`` entry-point group.
"""

from __future__ import annotations

import importlib
import logging
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from itertools import islice
from typing import Any

from marsad.doc import Document
from marsad.errors import ConfigError, InputError, MarsadError, StageError

log = logging.getLogger(__name__)

Stage = Callable[[Document], Document]
StageConfig = Mapping[str, Any]
StageFactory = Callable[[StageConfig], Stage]


@dataclass(frozen=True)
class StageSpec:
    """A registered stage: its name, what it needs, what it adds, and its factory."""

    name: str
    factory: StageFactory
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    description: str = ""


_REGISTRY: dict[str, StageSpec] = {}

#: Where the built-in stages live; imported on first use.
BUILTIN_STAGE_MODULES: dict[str, str] = {
    "sentences": "marsad.sentences",
    "tokens": "marsad.tokenize",
    "ner": "marsad.ner",
    "actors": "marsad.actors",
    "places": "marsad.geo",
    "times": "marsad.times",
    "events": "marsad.events",
}


def register_stage(
    name: str,
    *,
    requires: Iterable[str] = (),
    assigns: Iterable[str] = (),
    description: str = "",
) -> Callable[[StageFactory], StageFactory]:
    """Register a stage factory under ``name`` (decorator)."""

    def decorator(factory: StageFactory) -> StageFactory:
        _REGISTRY[name] = StageSpec(
            name=name,
            factory=factory,
            requires=tuple(requires),
            assigns=tuple(assigns),
            description=description or (factory.__doc__ or "").strip().split("\n")[0],
        )
        return factory

    return decorator


def get_stage(name: str) -> StageSpec:
    """Look up a stage by name, importing its module if it is a built-in or a plugin."""
    if name not in _REGISTRY:
        module = BUILTIN_STAGE_MODULES.get(name)
        if module is not None:
            importlib.import_module(module)
        else:
            for ep in metadata.entry_points(group="marsad.stages"):
                if ep.name == name:
                    ep.load()
    if name not in _REGISTRY:
        known = ", ".join(sorted(set(_REGISTRY) | set(BUILTIN_STAGE_MODULES)))
        raise ConfigError(f"unknown pipeline stage {name!r} (known: {known})")
    return _REGISTRY[name]


def available_stages() -> list[str]:
    """Names of every stage that can be used."""
    names = set(BUILTIN_STAGE_MODULES) | set(_REGISTRY)
    names |= {ep.name for ep in metadata.entry_points(group="marsad.stages")}
    return sorted(names)


def default_config() -> dict[str, Any]:
    """The packaged default configuration (``marsad/config/default.toml``)."""
    text = resources.files("marsad").joinpath("config/default.toml").read_text("utf-8")
    return tomllib.loads(text)


def load_config(path: str | None = None) -> dict[str, Any]:
    """Default configuration, overlaid with a user TOML file if one is given."""
    config = default_config()
    if path:
        try:
            with open(path, "rb") as fh:
                user = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid configuration file {path}: {exc}") from None
        _deep_update(config, user)
    return config


def _deep_update(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value


@dataclass
class Pipeline:
    """An ordered list of stages, checked when built: each stage's ``requires`` must be
    assigned by an earlier stage."""

    names: tuple[str, ...]
    config: Mapping[str, Any] = field(default_factory=dict)
    _stages: list[tuple[str, Stage]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        assigned: set[str] = {"text"}
        for name in self.names:
            spec = get_stage(name)
            missing = [r for r in spec.requires if r not in assigned]
            if missing:
                raise ConfigError(
                    f"stage {name!r} needs {', '.join(missing)}, which no earlier stage assigns"
                )
            assigned.update(spec.assigns)
            stage_config = dict(self.config.get("stages", {}).get(name, {}))
            self._stages.append((name, spec.factory(stage_config)))

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any] | None = None, *, stages: Iterable[str] | None = None
    ) -> Pipeline:
        """Build the pipeline a configuration names (the default one if none is given)."""
        config = config if config is not None else default_config()
        names = tuple(stages) if stages is not None else tuple(config["pipeline"]["stages"])
        return cls(names=names, config=config)

    @property
    def stages(self) -> list[tuple[str, Stage]]:
        """The ``(name, callable)`` pairs, in order."""
        return list(self._stages)

    @property
    def batch_size(self) -> int:
        """How many documents :meth:`pipe` and :meth:`process_batch` callers take at a
        time (``[pipeline] batch_size``, at least 1)."""
        return max(1, int(self.config.get("pipeline", {}).get("batch_size", 1) or 1))

    @property
    def max_chars(self) -> int:
        """Documents longer than this are processed in pieces (0: never cut)."""
        return int(self.config.get("pipeline", {}).get("max_chars", 0) or 0)

    def __call__(self, doc: Document | str) -> Document:
        """Run every stage on one document (a string becomes a :class:`Document`).

        A :class:`~marsad.errors.MarsadError` passes through; running out of memory becomes
        an :class:`~marsad.errors.InputError` and any other exception a
        :class:`~marsad.errors.StageError` naming the stage and the document.
        """
        if isinstance(doc, str):
            doc = Document(text=doc)
        if self.max_chars and len(doc.text) > self.max_chars:
            from marsad import chunking

            parts = [(start, self._run(piece))
                     for start, piece in chunking.pieces(doc, self.max_chars)]
            return chunking.merge(doc, parts)
        return self._run(doc)

    def _run(self, doc: Document) -> Document:
        for name, stage in self._stages:
            doc = _apply(name, stage, doc)
        return doc

    def process_batch(self, docs: Sequence[Document]) -> list[Document | MarsadError]:
        """Run the pipeline over a batch of documents, stage by stage: each stage sees the
        whole batch before the next one starts (as spaCy's ``Language.pipe`` runs each
        component over a batch), so a stage's tables stay in the processor's caches
        instead of being pushed out by the other stages between two documents (about 5 %
        faster in all, and the look-up stages up to a third faster on short articles).

        The result has one entry per document, in order: the analysed document, or the
        :class:`~marsad.errors.MarsadError` it raised (as :meth:`__call__` would); a
        failing document does not stop the others. Documents longer than
        :attr:`max_chars` are run alone, in pieces (see :meth:`__call__`).
        """
        results: list[Document | MarsadError] = list(docs)
        together = []
        for i, doc in enumerate(docs):
            if self.max_chars and len(doc.text) > self.max_chars:
                results[i] = _outcome(self, doc)
            else:
                together.append(i)
        for name, stage in self._stages:
            alive = []
            for i in together:
                current = results[i]
                assert isinstance(current, Document)
                try:
                    results[i] = _apply(name, stage, current)
                    alive.append(i)
                except MarsadError as exc:
                    results[i] = exc
            together = alive
        return results

    def pipe(self, docs: Iterable[Document], batch_size: int | None = None) -> Iterator[Document]:
        """Run the pipeline over many documents lazily, ``batch_size`` at a time (default
        :attr:`batch_size`; see :meth:`process_batch`). A document's error is raised when
        its turn comes."""
        size = batch_size or self.batch_size
        stream = iter(docs)
        while batch := list(islice(stream, size)):
            for result in self.process_batch(batch):
                if isinstance(result, MarsadError):
                    raise result
                yield result


def _apply(name: str, stage: Stage, doc: Document) -> Document:
    """One stage on one document; any failure becomes a :class:`MarsadError`."""
    try:
        return stage(doc)
    except MarsadError:
        raise
    except MemoryError:
        raise InputError(f"document {doc.id!r} is too large to process "
                         f"(out of memory in stage {name!r})") from None
    except Exception as exc:
        log.debug("stage %s failed on %s", name, doc.id, exc_info=True)
        raise StageError(
            f"stage {name!r} failed on document {doc.id!r}: "
            f"{type(exc).__name__}: {exc} (run with -vv for details)") from exc


def _outcome(pipeline: Pipeline, doc: Document) -> Document | MarsadError:
    """``pipeline(doc)``, or the error it raised."""
    try:
        return pipeline(doc)
    except MarsadError as exc:
        return exc
