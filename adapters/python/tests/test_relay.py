"""The relay between `crosscheck --external` and a callable in this process leaves nothing behind."""
import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest

import crosscheck
from crosscheck._server import CallableBackend, CallableServer
from kernels import correct_softmax


def processes_mentioning(text):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Every temporary file or directory of the run lands here, to be looked at afterwards."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_check_leaves_no_process_and_no_temporary_file(binary, private_tmp):
    seen = {}
    original = CallableServer.__enter__

    def spy(self):
        entered = original(self)
        seen["path"] = self.path
        return entered

    CallableServer.__enter__ = spy
    try:
        result = crosscheck.check(correct_softmax, "softmax", "float64", max_ulp=2, examples=10)
    finally:
        CallableServer.__enter__ = original
    assert result.properties
    assert os.listdir(private_tmp) == []  # the socket's directory, the run's directory, crosscheck's stderr file
    assert not os.path.exists(seen["path"])
    assert processes_mentioning(seen["path"]) == []  # no relay outlives the run


def test_a_hanging_callable_times_out_and_is_cleaned_up(binary, private_tmp):
    def hangs(z):
        time.sleep(30)

    start = time.monotonic()
    result = crosscheck.check(hangs, "softmax", "float32", properties=["accuracy"], examples=1, timeout=0.5,
                              total_timeout=60)
    assert time.monotonic() - start < 60
    assert not result.passed or result.returncode != 0
    assert os.listdir(private_tmp) == []
    assert processes_mentioning(str(private_tmp)) == []


def test_total_timeout_kills_the_run(binary, private_tmp):
    def slow(z):
        time.sleep(0.2)
        return correct_softmax(z)

    with pytest.raises(crosscheck.CrossCheckError, match="did not finish within"):
        crosscheck.check(slow, "softmax", "float32", examples=1000, total_timeout=3)
    time.sleep(0.5)
    assert os.listdir(private_tmp) == []
    assert processes_mentioning(str(private_tmp)) == []


def test_relay_answers_line_by_line_and_exits_at_end_of_input(private_tmp):
    backend = CallableBackend({"softmax": correct_softmax})
    with CallableServer(backend) as server:
        run = subprocess.run(["/bin/sh", "-c", server.command], input=(
            '{"function":"softmax","format":"float32","logits":["0","0"]}\n'
            '{"function":"sigmoid","format":"float32","logits":["0"]}\n'
            'not json\n'), capture_output=True, text=True, timeout=30)
        directory = server.directory
    lines = run.stdout.splitlines()
    assert run.returncode == 0 and len(lines) == 3
    assert lines[0] == '{"result": ["0.5", "0.5"]}'
    assert "no callable for sigmoid" in lines[1]
    assert lines[2].startswith('{"error": "JSONDecodeError')
    assert not os.path.exists(directory)


def test_relay_exits_when_the_server_goes_away(private_tmp):
    backend = CallableBackend({"softmax": correct_softmax})
    server = CallableServer(backend).__enter__()
    relay = subprocess.Popen(["/bin/sh", "-c", server.command], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    relay.stdin.write(b'{"function":"softmax","format":"float64","logits":["1"]}\n')
    relay.stdin.flush()
    assert relay.stdout.readline() == b'{"result": ["1.0"]}\n'
    server.close()
    relay.stdin.write(b'{"function":"softmax","format":"float64","logits":["1"]}\n')
    relay.stdin.flush()
    assert relay.wait(timeout=10) != 0  # the socket closed: the relay ends instead of waiting forever
    relay.stdin.close()
    relay.stdout.close()
    assert not os.path.exists(server.directory)


def test_relay_reports_a_missing_socket(tmp_path):
    relay = os.path.join(os.path.dirname(crosscheck.__file__), "_relay.py")
    run = subprocess.run([sys.executable, relay, str(tmp_path / "absent.sock")], input="", capture_output=True, text=True)
    assert run.returncode == 3 and "cannot connect" in run.stderr


def test_socket_directory_is_private(private_tmp):
    with CallableServer(CallableBackend({"softmax": correct_softmax})) as server:
        assert os.stat(server.directory).st_mode & 0o777 == 0o700
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(server.path)
