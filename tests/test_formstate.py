"""The form state the UI renders: options that do not fit are disabled with the reason."""

from kubeedge_runtime.formstate import change, form_state


def fields(raw):
    return {f["key"]: f for f in form_state(raw)["fields"]}


def option(field, value):
    return next(o for o in field["options"] if o["value"] == value)


def test_disabled_options_carry_the_reason():
    f = fields({"kubeedge_version": "1.15"})
    old = option(f["runtime_version"], "1.5")
    assert old["disabled"] and "1.6" in old["reason"]
    assert not option(f["runtime_version"], "1.6")["disabled"]
    f = fields({"runtime": "isulad", "cgroup_driver": "systemd"})
    assert option(f["runtime_version"], "2.1.5")["disabled"]
    assert "cgroupfs" in option(f["runtime_version"], "2.1.5")["reason"]
    f = fields({"runtime": "docker", "kubeedge_version": "1.16"})
    assert option(f["runtime_version"], "dockershim")["disabled"]
    f = fields({"kubeedge_version": "1.12"})
    assert option(f["runtime_version"], "2.0")["disabled"] and "v1alpha2" in option(f["runtime_version"], "2.0")["reason"]
    f = fields({"runtime": "cri-o"})
    assert option(f["arch"], "arm")["disabled"] and option(f["os"], "windows")["disabled"]


def test_text_fields_still_to_fill_do_not_disable_choices():
    f = fields({})
    assert not option(f["install_method"], "binary")["disabled"]  # the CloudCore address can be typed in


def test_values_and_applicability():
    f = fields({"kubeedge_version": "1.16.2", "runtime": "kata", "token": "secret.tok"})
    assert f["kubeedge_version"]["value"] == "1.16.2"
    assert f["runtime_version"]["value"] == "2.3"  # shown as the minor of the newest patch
    assert f["kata_mode"]["applies"] and not f["isulad_stream_port"]["applies"]
    assert f["token"]["value"] == "" and f["token"]["given"]  # a secret is never echoed back


def test_labels_follow_the_language():
    en, zh = fields({}), fields({"lang": "zh"})
    assert en["runtime"]["label"] != zh["runtime"]["label"]
    assert option(zh["lang"], "zh")["label"] == "简体中文"


def test_change_resets_dependent_fields():
    raw = {"runtime": "containerd", "runtime_version": "1.7", "kata_mode": "untrusted", "os": "debian"}
    new = change(raw, "runtime", "cri-o")
    assert new == {"runtime": "cri-o", "os": "debian"}
    assert change(new, "os", "") == {"runtime": "cri-o"}


def test_field_diagnostics_sit_next_to_their_field():
    state = form_state({"runtime": "isulad", "isulad_stream_port": "10350"})
    f = {x["key"]: x for x in state["fields"]}
    assert [d["code"] for d in f["isulad_stream_port"]["diagnostics"]] == ["isulad-stream-port"]


def test_an_invalid_text_stays_in_its_field():
    """The form shows what was typed while it is wrong (the browser would otherwise blank it)."""
    state = form_state({"cloudcore": "192.0.2"})
    field = next(f for f in state["fields"] if f["key"] == "cloudcore")
    assert field["value"] == "192.0.2" and field["diagnostics"][0]["severity"] == "error"
    token = next(f for f in form_state({"token": "a b"})["fields"] if f["key"] == "token")
    assert token["value"] == ""  # a secret is never echoed back
