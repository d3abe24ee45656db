"""Static checks of freeswitch/conf: well-formed XML, preprocessor variables, and the contract with robot's code."""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

import robot.esl.outbound
from robot.settings import EslSettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "freeswitch" / "conf"
XML_FILES = sorted(CONF.rglob("*.xml"))
# Variables FreeSWITCH defines itself before reading the configuration.
BUILTIN_VARS = {"local_ip_v4", "local_ip_v6", "sounds_dir", "conf_dir", "base_dir", "log_dir", "recordings_dir"}
DIRECTIVE = re.compile(r'<X-PRE-PROCESS\s+cmd="([a-z-]+)"\s+data="([^"]*)"\s*/>')
PREPROCESSOR_VAR = re.compile(r"\$\$\{([A-Za-z0-9_]+)\}")
COMMENT = re.compile(r"<!--.*?-->", re.S)
REQUIRED_MODULES = {
    "mod_event_socket",
    "mod_commands",
    "mod_dptools",
    "mod_sofia",
    "mod_loopback",
    "mod_audio_stream",
    "mod_sndfile",
    "mod_native_file",
    "mod_tone_stream",
    "mod_dialplan_xml",
}
ENV_EXAMPLE = {
    "ROBOT_ESL__PASSWORD": "s3cret",
    "FREESWITCH_EXTERNAL_IP": "auto",
    "OPERATOR_SIP_USERNAME": "user",
    "OPERATOR_SIP_PASSWORD": "pw",
    "OPERATOR_SIP_REALM": "sip.example.net",
    "OPERATOR_SIP_PROXY": "sip.example.net",
    "OPERATOR_SIP_REGISTER": "true",
    "OPERATOR_INBOUND_DID": "33123456789",
}


def preprocess(path: Path, env: dict[str, str], variables: dict[str, str], depth: int = 0) -> str:
    """A small model of FreeSWITCH's preprocessor: one directive per line, includes relative to the file."""
    assert depth < 8, f"{path}: include nesting too deep"
    out: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if depth and line.strip() in ("<include>", "</include>"):
            continue  # included files are wrapped in <include>, which the preprocessor drops
        found = DIRECTIVE.search(line)
        if found is None:
            assert "<X-PRE-PROCESS" not in line, f"{path}:{number}: malformed preprocessor directive"
            for name in PREPROCESSOR_VAR.findall(line):
                assert name in variables, f"{path}:{number}: $${{{name}}} used before it is set"
            out.append(PREPROCESSOR_VAR.sub(lambda m: variables[m.group(1)], line))
            continue
        cmd, data = found.groups()
        data = PREPROCESSOR_VAR.sub(lambda m: variables[m.group(1)], data)
        if cmd == "include":
            matches = sorted(glob.glob(str(path.parent / data)))
            assert matches, f"{path}:{number}: include {data!r} matches no file"
            out.extend(preprocess(Path(match), env, variables, depth + 1) for match in matches)
        elif cmd == "set":
            name, _, value = data.partition("=")
            variables[name] = value
        elif cmd == "env-set":
            name, _, value = data.partition("=")
            assert value.startswith("$"), f"{path}:{number}: env-set value must be $ENV_NAME"
            variables[name] = env.get(value[1:], "")
        else:
            raise AssertionError(f"{path}:{number}: unexpected preprocessor command {cmd!r}")
    return "\n".join(out)


def _element_tree(text: str):  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    return ET.fromstring(text)


@pytest.fixture(scope="module")
def document():  # type: ignore[no-untyped-def]
    variables = {name: f"/builtin/{name}" for name in BUILTIN_VARS}
    variables["local_ip_v4"] = "192.0.2.10"
    text = preprocess(CONF / "freeswitch.xml", ENV_EXAMPLE, variables)
    return _element_tree(text), variables


def test_every_conf_file_is_well_formed_xml() -> None:
    import xml.etree.ElementTree as ET

    assert len(XML_FILES) >= 12
    for path in XML_FILES:
        try:
            ET.parse(path)
        except ET.ParseError as err:
            pytest.fail(f"{path.relative_to(REPO)}: {err}")


def test_every_conf_file_says_what_to_change() -> None:
    for path in XML_FILES:
        comments = " ".join(COMMENT.findall(path.read_text(encoding="utf-8")))
        assert "WHAT TO CHANGE" in comments, f"{path.relative_to(REPO)}: header comment lacks 'WHAT TO CHANGE'"


def test_no_preprocessor_directive_hides_in_a_comment() -> None:
    # FreeSWITCH executes X-PRE-PROCESS lines even inside <!-- -->.
    for path in XML_FILES:
        for comment in COMMENT.findall(path.read_text(encoding="utf-8")):
            assert "<X-PRE-PROCESS" not in comment, f"{path.relative_to(REPO)}: directive inside a comment"


def test_preprocessed_document_defines_every_variable_and_parses(document) -> None:  # type: ignore[no-untyped-def]
    root, variables = document
    assert root.tag == "document"
    assert {s.get("name") for s in root.findall("section")} == {"configuration", "dialplan"}
    assert variables["robot_esl_password"] == "s3cret"


def _config(root, name: str):  # type: ignore[no-untyped-def]
    found = root.find(f"./section[@name='configuration']/configuration[@name='{name}']")
    assert found is not None, f"configuration {name} missing"
    return found


def _params(element) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {p.get("name"): p.get("value") for p in element.iter("param")}


def test_modules_include_everything_robot_needs(document) -> None:  # type: ignore[no-untyped-def]
    root, _ = document
    loaded = {m.get("module") for m in _config(root, "modules.conf").iter("load")}
    assert loaded >= REQUIRED_MODULES, f"missing modules: {sorted(REQUIRED_MODULES - loaded)}"


def test_event_socket_matches_robot_settings_and_acl(document) -> None:  # type: ignore[no-untyped-def]
    root, _ = document
    raw = (CONF / "autoload_configs" / "event_socket.conf.xml").read_text(encoding="utf-8")
    assert 'name="password" value="$${robot_esl_password}"' in raw  # the placeholder the docs describe
    robot_vars = (CONF / "robot_vars.xml").read_text(encoding="utf-8")
    assert 'cmd="env-set" data="robot_esl_password=$ROBOT_ESL__PASSWORD"' in robot_vars
    params = _params(_config(root, "event_socket.conf"))
    defaults = EslSettings()
    assert params["listen-ip"] == defaults.host
    assert int(params["listen-port"]) == defaults.port
    assert params["password"] == "s3cret"
    acl_lists = {lst.get("name"): lst for lst in _config(root, "acl.conf").iter("list")}
    acl = acl_lists[params["apply-inbound-acl"]]
    assert acl.get("default") == "deny"
    assert {n.get("cidr") for n in acl.iter("node") if n.get("type") == "allow"} == {"127.0.0.0/8", "::1/128"}


def _socket_actions(root) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get("data") for a in root.iter("action") if a.get("application") == "socket"]


def test_dialplan_socket_targets_robot_outbound_server(document) -> None:  # type: ignore[no-untyped-def]
    root, _ = document
    actions = _socket_actions(root)
    assert actions, "no socket action in the dialplan"
    defaults = EslSettings()
    for data in actions:
        target, *modes = data.split()
        host, _, port = target.rpartition(":")
        assert host == defaults.outbound_host
        assert int(port) == defaults.outbound_port
        assert modes == ["async", "full"]


def test_socket_modes_match_outbound_server_and_captures(document, fixtures_dir: Path) -> None:  # type: ignore[no-untyped-def]
    root, _ = document
    ours = {tuple(data.split()[1:]) for data in _socket_actions(root)}
    expected = re.search(r"`socket \S+ ([a-z ]+)`", robot.esl.outbound.__doc__ or "")
    assert expected is not None, "robot/esl/outbound.py no longer documents the socket action it serves"
    assert ours == {tuple(expected.group(1).split())}
    captured = (fixtures_dir / "outbound_handoff_received.raw").read_bytes()
    assert b"Socket-Mode: async\n" in captured and b"Control: full\n" in captured
    recorded = (fixtures_dir / "tools" / "dialplan_section.xml").read_text(encoding="utf-8")
    recorded_modes = set(re.findall(r'application="socket" data="\S+ ([a-z ]+)"', recorded))
    assert {" ".join(m) for m in ours} == recorded_modes


def test_inbound_did_and_test_callees_route_as_documented(document) -> None:  # type: ignore[no-untyped-def]
    root, _ = document
    contexts = {c.get("name"): c for c in root.iter("context")}
    assert {"public", "robot", "robot_test"} <= set(contexts)
    inbound = contexts["public"].find("extension[@name='robot_inbound_did']")
    assert inbound is not None
    did_rule = inbound.find("condition").get("expression")
    assert re.search(did_rule, "+33123456789") and not re.search(did_rule, "33999999999")
    assert inbound.find(".//action").get("data") == "robot_handoff XML robot"
    callees = {
        ext.get("name"): ext.find("condition").get("expression") for ext in contexts["robot_test"].iter("extension")
    }
    digit_to_name = {
        "1": "test_human",
        "2": "test_machine",
        "3": "test_silence",
        "4": "test_busy",
        "5": "test_noanswer",
        "6": "test_handoff",
        "7": "test_bargein",
    }
    for digit in "0123456789":
        number = "+3310000000" + digit
        matched = [name for name, rule in callees.items() if re.search(rule, number)]
        assert matched == ([digit_to_name[digit]] if digit in digit_to_name else []), number


def test_test_callee_prompts_exist(document) -> None:  # type: ignore[no-untyped-def]
    root, variables = document
    sounds_root = REPO / "freeswitch" / "sounds" / "robot-test"
    prefix = variables["robot_test_sounds"] + "/"
    played = {a.get("data") for a in root.iter("action") if a.get("application") == "playback"}
    files = {p.removeprefix(prefix) for p in played if p.startswith(prefix)}
    assert files == {"human_fr.wav", "machine_fr.wav", "bargein_fr.wav"}
    for name in files:
        header = (sounds_root / name).read_bytes()[:44]
        assert header[:4] == b"RIFF" and header[8:12] == b"WAVE", name
        assert int.from_bytes(header[24:28], "little") == 8000, f"{name}: not 8 kHz"


def test_operator_gateway_is_what_the_default_dial_template_uses(document) -> None:  # type: ignore[no-untyped-def]
    from robot.settings import CampaignSettings

    root, _ = document
    gateways = {g.get("name"): _params(g) for g in root.iter("gateway")}
    template = CampaignSettings().dial_template
    assert template.startswith("sofia/gateway/")
    assert template.split("/")[2] in gateways
    assert gateways["operator"]["username"] == "user"
