"""The command line itself: version, help for every command, usage errors."""
import re

from conftest import fails, jailctl, ok

COMMANDS = ["activate", "deactivate", "get", "set", "list", "help"]


def test_version():
    r = ok("--version")
    assert re.fullmatch(r"jailctl \d+\.\d+\.\d+\n", r.out)


def test_main_help_lists_every_command():
    r = ok("--help")
    for cmd in COMMANDS:
        assert re.search(rf"^  {cmd}\s", r.out, re.M), cmd


def test_help_for_every_command():
    for cmd in COMMANDS:
        a = ok("help", cmd)
        b = ok(cmd, "--help")
        assert a.out == b.out
        assert a.out.startswith(f"usage: jailctl {cmd}")


def test_unknown_command_is_a_usage_error():
    r = jailctl("frobnicate")
    assert r.rc == 2
    assert "unknown command 'frobnicate'" in r.err


def test_help_for_unknown_command():
    r = jailctl("help", "frobnicate")
    assert r.rc == 2


def test_missing_arguments_are_usage_errors():
    assert jailctl("activate").rc == 2
    assert jailctl("set", "notes=x").rc == 2
    assert jailctl("get").rc == 2
    assert jailctl("list", "extra").rc == 2
