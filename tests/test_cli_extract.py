"""Bad and unusual input through the real `marsad extract` command (a subprocess) and
through click's runner: a clear one-line message and a non-zero exit, or a correct
result — never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from marsad.cli import cli, main
from marsad.errors import InputError

TEXT_LAYER = ["--stages", "sentences,tokens"]
ARTICLE = "قصف الجيش مواقع المسلحين في درنة أمس. وقال الناطق إن العملية مستمرة!\n"


def marsad(*args: str, stdin: bytes | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Run the real command in a subprocess: (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "marsad", *args], input=stdin,
                          capture_output=True, timeout=timeout, check=False)
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "Traceback" not in out
    return proc.returncode, out, err


@pytest.fixture
def run(capsysbinary: pytest.CaptureFixture[bytes]):  # type: ignore[no-untyped-def]
    """The same entry point in-process (fast): (exit code, stdout, stderr)."""

    def call(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsysbinary.readouterr()
        out, err = captured.out.decode("utf-8"), captured.err.decode("utf-8")
        assert "Traceback" not in err
        return code, out, err

    return call


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("marsad: error:")
    for word in words:
        assert word in lines[0]


def check_offsets(doc: dict) -> None:
    text = doc["text"]
    for key in ("sentences", "tokens"):
        for span in doc[key]:
            assert text[span["start"]:span["end"]] == span["text"]


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


Run = Callable[..., tuple[int, str, str]]


def test_cli_empty_file(tmp_path: Path, run: Run) -> None:
    code, out, err = marsad("extract", write(tmp_path, "empty.txt", b""))
    assert_one_line_error(code, err, "empty")
    assert out == ""
    code, _, err = run("extract", write(tmp_path, "blank.txt", b" \n\t\n"))
    assert_one_line_error(code, err, "empty")


def test_cli_binary_file(tmp_path: Path, run: Run) -> None:
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
           b"\x00\x00\x00\x1f\xf3\xffa" + bytes(range(256)) * 4 + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    code, _, err = marsad("extract", write(tmp_path, "image.png", png))
    assert_one_line_error(code, err, "binary")
    code, _, err = run("extract", write(tmp_path, "image.txt", png))
    assert_one_line_error(code, err, "binary")


@pytest.mark.parametrize("encoding", ["cp1256", "iso8859_6", "utf-16", "utf-16-le",
                                      "utf-16-be", "utf-8-sig", "utf-32"])
def test_cli_encodings_decode_to_the_same_article(tmp_path: Path, encoding: str,
                                                  run: Run) -> None:
    text = ARTICLE if encoding != "iso8859_6" else ARTICLE.replace("!", ".")
    path = write(tmp_path, f"article-{encoding}.txt", text.encode(encoding))
    call = marsad if encoding in ("cp1256", "utf-16-le") else run
    code, out, err = call("extract", path, *TEXT_LAYER)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["text"] == text
    assert doc["sentences"][0]["text"].startswith("قصف الجيش")
    assert "درنة" in [t["text"] for t in doc["tokens"]]
    check_offsets(doc)


def test_cli_text_without_arabic_is_processed(tmp_path: Path, run: Run) -> None:
    path = write(tmp_path, "english.txt", b"The army shelled positions near Derna. 12 died.")
    code, out, err = run("extract", path, *TEXT_LAYER)
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["sentences"]) == 2
    assert {t["kind"] for t in doc["tokens"]} == {"latin", "number", "punct"}
    check_offsets(doc)


def test_cli_missing_file_and_directory(tmp_path: Path, run: Run) -> None:
    code, _, err = marsad("extract", str(tmp_path / "nope.txt"))
    assert_one_line_error(code, err, "no such file")
    code, _, err = run("extract", str(tmp_path))
    assert_one_line_error(code, err, "directory")


@pytest.mark.parametrize("date", ["2018-13-40", "31/02/2018", "yesterday", "2018-05-2"])
def test_cli_bad_date(tmp_path: Path, date: str, run: Run) -> None:
    path = write(tmp_path, "a.txt", ARTICLE.encode())
    call = marsad if date == "yesterday" else run
    code, out, err = call("extract", path, "--date", date)
    assert_one_line_error(code, err, "--date", "YYYY-MM-DD")
    assert out == ""


def test_cli_good_date_is_carried(tmp_path: Path, run: Run) -> None:
    path = write(tmp_path, "derna_2018-05-22.txt", ARTICLE.encode())
    code, out, err = run("extract", path, "--date", "2018-05-22", *TEXT_LAYER)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["date"] == "2018-05-22" and doc["id"] == "derna_2018-05-22"
    for key in ("id", "date", "sentences", "tokens", "entities", "events"):
        assert key in doc


def test_cli_malformed_jsonl_names_the_line(tmp_path: Path, run: Run) -> None:
    data = ('{"id": "a1", "text": "قصف الجيش المواقع."}\n{"id": "a2", "text": \n').encode()
    code, out, err = marsad("extract", write(tmp_path, "bad.jsonl", data + data.split(b"\n")[0]), *TEXT_LAYER)
    lines = err.splitlines()  # the bad line is named, the others are processed: exit 3
    assert code == 3 and len(lines) == 2, err
    assert lines[0].startswith("marsad: skipped:") and "bad.jsonl:2: invalid JSON" in lines[0]
    assert "2 processed, 1 skipped (invalid_json 1)" in lines[1]
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a1", "a1"]
    for bad in (b'["not", "an object"]\n', b'{"id": "x"}\n'):
        code, _, err = run("extract", write(tmp_path, "odd.jsonl", bad), *TEXT_LAYER)
        assert_one_line_error(code, err)


def test_cli_jsonl_gives_one_result_per_line_in_order(tmp_path: Path) -> None:
    records = [
        {"id": "z9", "text": "وصل الوفد إلى سبها.", "date": "2020-01-02"},
        {"text": "اشتباكات في بنغازي"},
        {"id": 17, "text": "No Arabic here.", "title": "t", "source": "s", "url": "u"},
        {"id": "a1", "text": "انتهى الاجتماع."},
    ]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n\n"
    path = write(tmp_path, "batch.jsonl", lines.encode())
    code, out, err = marsad("extract", path, "--date", "2021-03-04", *TEXT_LAYER)
    assert code == 0, err
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["id"] for d in docs] == ["z9", "batch-2", "17", "a1"]
    assert [d["date"] for d in docs] == ["2020-01-02", "2021-03-04", "2021-03-04", "2021-03-04"]
    assert docs[2]["title"] == "t" and docs[2]["url"] == "u"
    for doc, record in zip(docs, records, strict=True):
        assert doc["text"] == record["text"]
        check_offsets(doc)


def test_cli_stdin_and_formats(tmp_path: Path, run: Run) -> None:
    code, out, err = marsad("extract", "-", *TEXT_LAYER, stdin=ARTICLE.encode())
    assert code == 0, err
    check_offsets(json.loads(out))
    path = write(tmp_path, "a.txt", ARTICLE.encode())
    code, out, err = run("extract", path, "--format", "table", "--no-shape", *TEXT_LAYER)
    assert code == 0, err
    assert "درنة" in out
    code, _, err = marsad("extract", "-", *TEXT_LAYER, stdin=b"")
    assert_one_line_error(code, err, "empty")


def test_cli_unknown_stage_is_one_line(tmp_path: Path, run: Run) -> None:
    path = write(tmp_path, "a.txt", ARTICLE.encode())
    code, _, err = run("extract", path, "--stages", "sentences,nonsense")
    assert_one_line_error(code, err, "nonsense")


def test_cli_large_article_finishes(tmp_path: Path) -> None:
    """A 2 MB article (one line per paragraph, some very long lines) comes out whole;
    benchmarks/big_article.py runs the 20 MB case."""
    paragraph = ("قال المتحدث باسم الجيش «إن القوات تقدمت نحو درنة.» وأضاف أن 1.5 مليون "
                 "شخص تأثروا، وبحسب المصادر فإن المعارك مستمرة؛ ") * 40
    text = "\n".join([paragraph] * 250) + " " + "بنغازي " * 20000
    data = text.encode("utf-8")
    assert len(data) > 2_000_000
    path = write(tmp_path, "big.txt", data)
    code, out, err = marsad("extract", path, "--format", "jsonl", *TEXT_LAYER, timeout=300)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["text"] == text
    assert len(doc["tokens"]) > 200_000
    last = doc["tokens"][-1]
    assert text[last["start"]:last["end"]] == last["text"] == "بنغازي"
    assert doc["sentences"][-1]["end"] == len(text.rstrip())


def test_cli_runner_in_process(tmp_path: Path) -> None:
    runner = CliRunner()
    path = write(tmp_path, "batch.jsonl", '{"id": "q", "text": "وقال الوزير"}\n'.encode())
    result = runner.invoke(cli, ["extract", path, *TEXT_LAYER])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["id"] == "q" and [t["text"] for t in doc["tokens"]] == ["و", "قال", "الوزير"]
    result = runner.invoke(cli, ["extract", write(tmp_path, "e.txt", b"")])
    assert isinstance(result.exception, InputError)
    result = runner.invoke(cli, ["extract", path, "--date", "2020-02-30"])
    assert isinstance(result.exception, InputError)
