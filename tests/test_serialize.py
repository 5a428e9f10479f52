"""mg.save / mg.load: round trips, atomic writes, no pickles, and clear errors that change nothing."""
from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.serialize import SerializationError


def trained(seed=0, steps=3):
    mg.manual_seed(seed)
    model = nn.MLP([2, 6, 1], batchnorm=True, dropout=0.1)
    opt = optim.Adam(model.parameters(), lr=0.02)
    X = np.random.default_rng(seed).normal(size=(32, 2)).astype(np.float32)
    y = (X[:, :1] * X[:, 1:] > 0).astype(np.float32)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(X), y).backward()
        opt.step()
    return model, opt, X


def snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def test_model_round_trip_includes_buffers(tmp_path):
    model, _, X = trained()
    path = mg.save(model, tmp_path / "model.npz")
    assert path == tmp_path / "model.npz" and os.listdir(tmp_path) == ["model.npz"]  # no temp file left
    fresh = nn.MLP([2, 6, 1], batchnorm=True, dropout=0.1)
    assert mg.load(path, into=fresh) is fresh
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k], v)
    assert np.any(fresh.layers[1].running_mean.numpy() != 0)  # BatchNorm statistics came along
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(model(X).numpy(), fresh(X).numpy())
    state = mg.load(path)  # without into: the state dict
    assert set(state) == set(model.state_dict())


def test_suffix_is_added_and_files_are_plain_npz(tmp_path):
    model, _, _ = trained()
    path = mg.save(model, tmp_path / "weights")
    assert path.name == "weights.npz"
    with np.load(path, allow_pickle=False) as archive:  # readable without pickles
        assert "model/layers.0.weight" in archive.files and "__minigrad__" in archive.files
    assert set(mg.load(tmp_path / "weights")) == set(model.state_dict())


def test_checkpoint_with_optimizer_resumes_identically(tmp_path):
    model, opt, X = trained(steps=4)
    mg.save({"model": model, "optimizer": opt, "epoch": 4, "note": "adam"}, tmp_path / "ckpt.npz")
    model2 = nn.MLP([2, 6, 1], batchnorm=True, dropout=0.1)
    opt2 = optim.Adam(model2.parameters(), lr=0.5)
    extras = mg.load(tmp_path / "ckpt.npz", into={"model": model2, "optimizer": opt2})
    assert extras == {"epoch": 4, "note": "adam"}
    assert opt2.lr == 0.02 and opt2.state[0]["step"] == 4
    np.testing.assert_array_equal(opt2.state[0]["exp_avg"], opt.state[0]["exp_avg"])
    assert opt2.state[0]["exp_avg"].dtype == np.float32
    y = (X[:, :1] > 0).astype(np.float32)
    for m, o in ((model, opt), (model2, opt2)):
        m.eval()
        o.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(m(X), y).backward()
        o.step()
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    loaded = mg.load(tmp_path / "ckpt.npz")
    assert set(loaded) == {"model", "optimizer", "epoch", "note"} and loaded["optimizer"]["type"] == "Adam"


def test_mismatched_model_is_refused_and_left_unchanged(tmp_path):
    model, _, _ = trained()
    mg.save(model, tmp_path / "m.npz")
    other = nn.MLP([2, 7, 1], batchnorm=True, dropout=0.1)
    before = snapshot(other)
    with pytest.raises(SerializationError, match=r"layers.0.weight: shape \(2, 6\) in the state dict, \(2, 7\)"):
        mg.load(tmp_path / "m.npz", into=other)
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(SerializationError, match="missing keys"):
        mg.load(tmp_path / "m.npz", into=nn.MLP([2, 6, 6, 1], batchnorm=True))


def test_a_bad_optimizer_entry_leaves_the_model_untouched_too(tmp_path):
    model, opt, _ = trained()
    mg.save({"model": model, "optimizer": opt}, tmp_path / "c.npz")
    target = nn.MLP([2, 6, 1], batchnorm=True, dropout=0.1)
    before = snapshot(target)
    wrong_opt = optim.SGD(target.parameters(), lr=0.1)
    with pytest.raises(SerializationError, match="saved from a Adam"):
        mg.load(tmp_path / "c.npz", into={"model": target, "optimizer": wrong_opt})
    for k, v in target.state_dict().items():
        np.testing.assert_array_equal(v, before[k])  # the model entry fitted, but nothing was assigned
    with pytest.raises(SerializationError, match="no entry 'optim'"):
        mg.load(tmp_path / "c.npz", into={"optim": wrong_opt})


def test_corrupt_and_foreign_files_give_clear_errors(tmp_path):
    model, _, _ = trained()
    before = snapshot(model)
    path = mg.save(model, tmp_path / "m.npz")
    data = path.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.npz").write_bytes(b"this is not a zip file")
    np.savez(tmp_path / "foreign.npz", w=np.zeros(3))
    for name, message in (("truncated.npz", "is damaged"),
                          ("garbage.npz", "is not a minigrad checkpoint"),
                          ("foreign.npz", "not a minigrad checkpoint")):
        with pytest.raises(SerializationError, match=message):
            mg.load(tmp_path / name, into=model)
    # an archive whose metadata lists arrays it does not hold
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "partial.npz", "w") as dst:
        for item in src.infolist():
            if "layers.4.bias" not in item.filename:
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(SerializationError, match="incomplete"):
        mg.load(tmp_path / "partial.npz", into=model)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.npz")
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_pickled_object_arrays_are_never_loaded(tmp_path):
    np.savez(tmp_path / "evil.npz", __minigrad__=np.array("{}"), payload=np.array([object()], dtype=object))
    with pytest.raises(SerializationError):
        mg.load(tmp_path / "evil.npz")


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    model, _, _ = trained()
    path = mg.save(model, tmp_path / "m.npz")
    original = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        mg.save(model, path)
    assert path.read_bytes() == original and os.listdir(tmp_path) == ["m.npz"]


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="cannot save a list"):
        mg.save([1, 2], tmp_path / "x.npz")
    with pytest.raises(TypeError, match="only Modules, Optimizers and JSON values"):
        mg.save({"model": nn.Linear(2, 1), "data": np.zeros(3)}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_load_moves_state_to_the_models_device(tmp_path, device):
    model, opt, _ = trained()
    mg.save({"model": model, "optimizer": opt}, tmp_path / "c.npz")
    target = nn.MLP([2, 6, 1], batchnorm=True, dropout=0.1).to(device)
    opt2 = optim.Adam(target.parameters())
    mg.load(tmp_path / "c.npz", into={"model": target, "optimizer": opt2})
    assert all(p.device == device and p.is_leaf and p.requires_grad for p in target.parameters())
    assert target.layers[1].running_var.device == device
    np.testing.assert_array_equal(target.layers[0].weight.numpy(), model.layers[0].weight.numpy())


def _rewrite(path, target, change):
    """Copy the npz archive at ``path`` to ``target`` with ``change(arrays)`` applied (a hand-damaged file)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    change(arrays)
    np.savez(target, **arrays)


def test_non_numeric_or_malformed_entries_are_refused_before_anything_changes(tmp_path):
    import json

    model, opt, _ = trained()
    path = mg.save({"model": model, "optimizer": opt}, tmp_path / "c.npz")
    target = nn.MLP([2, 6, 1], batchnorm=True, dropout=0.1)
    target_opt = optim.Adam(target.parameters())
    before = snapshot(target)

    def strings_in_optimizer(arrays):  # right shape, wrong kind of values, in the *second* entry loaded
        key = next(k for k in arrays if k.startswith("optimizer/") and arrays[k].ndim == 2)
        arrays[key] = np.full(arrays[key].shape, "x")

    def no_entries(arrays):
        meta = json.loads(str(arrays["__minigrad__"]))
        del meta["entries"]["model"]["keys"]
        arrays["__minigrad__"] = np.array(json.dumps(meta))

    for name, change, message in (("strings.npz", strings_in_optimizer, "not numbers"),
                                  ("meta.npz", no_entries, "metadata does not describe")):
        _rewrite(path, tmp_path / name, change)
        with pytest.raises(SerializationError, match=message):
            mg.load(tmp_path / name, into={"model": target, "optimizer": target_opt})
        for k, v in target.state_dict().items():
            np.testing.assert_array_equal(v, before[k])
        assert target_opt.state == [{} for _ in target_opt.params] and target_opt.lr == 1e-3
