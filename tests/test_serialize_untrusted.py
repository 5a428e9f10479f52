"""mg.load on damaged and hostile files: one SerializationError line, nothing changed, nothing inflated.

Each case is a way a load can go wrong: raising a raw ValueError after the model was
overwritten, taking hyper-parameters as they come, inflating a 1 MB file to a gigabyte before
refusing it, a raw MemoryError / TypeError / RecursionError.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import random
import tracemalloc
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.serialize import SerializationError


def trained():
    mg.manual_seed(0)
    model = nn.MLP([2, 6, 1], batchnorm=True)
    opt = optim.Adam(model.parameters(), lr=0.02)
    X = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    for _ in range(2):
        opt.zero_grad()
        nn.functional.mse_loss(model(X), np.zeros((16, 1), np.float32)).backward()
        opt.step()
    return model, opt


def fresh():
    mg.manual_seed(1)
    model = nn.MLP([2, 6, 1], batchnorm=True)
    return model, optim.Adam(model.parameters(), lr=0.5)


def snapshot(model, opt):
    return ({k: v.copy() for k, v in model.state_dict().items()}, opt.hyperparameters(), opt.steps,
            {k: v.copy() for k, v in opt.state_dict()["state"].items()})


def assert_unchanged(model, opt, before):
    weights, hyper, steps, buffers = before
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, weights[k])
    assert opt.hyperparameters() == hyper and opt.steps == steps
    assert set(opt.state_dict()["state"]) == set(buffers)


def npy(array=None, header=None, data=b"") -> bytes:
    """The bytes of one .npy member: a real array, or a hand-written header followed by ``data``."""
    buf = io.BytesIO()
    if header is None:
        np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    else:
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(data)
    return buf.getvalue()


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_zip(path, members: dict[str, bytes], compress=()):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data, zipfile.ZIP_DEFLATED if name in compress else zipfile.ZIP_STORED)
    return path


def with_meta(members, change):
    meta = json.loads(str(np.lib.format.read_array(io.BytesIO(members["__minigrad__.npy"]))))
    change(meta)
    return {**members, "__minigrad__.npy": npy(np.array(json.dumps(meta)))}


def checkpoint(tmp_path):
    model, opt = trained()
    return members_of(mg.save({"model": model, "optimizer": opt, "epoch": 2}, tmp_path / "good.npz"))


def load_into_fresh(path):
    """Load ``path`` into a fresh model and optimizer; the error must be one line and change nothing."""
    model, opt = fresh()
    before = snapshot(model, opt)
    with pytest.raises(SerializationError) as info:
        mg.load(path, into={"model": model, "optimizer": opt})
    assert "\n" not in str(info.value) and str(info.value).startswith("load: ")
    assert_unchanged(model, opt, before)
    return str(info.value)


def opt_meta(change):
    return lambda meta: change(meta["entries"]["optimizer"])


@pytest.mark.parametrize("change, message", [
    (opt_meta(lambda e: e.update(steps="abc")), "steps must be a whole number"),
    (opt_meta(lambda e: e.update(steps=-4)), "steps must be a whole number"),
    (opt_meta(lambda e: e["hyper"].update(lr="abc")), "lr must be a number"),
    (opt_meta(lambda e: e["hyper"].update(lr=-5)), "lr must be >= 0"),
    (opt_meta(lambda e: e["hyper"].update(betas=[0.9, 0.9, 0.9])), "betas must be a pair"),
    (opt_meta(lambda e: e["hyper"].update(eps=0)), "eps must be > 0"),
    (opt_meta(lambda e: e["hyper"].update(surprise=1)), "unknown hyper-parameters"),
    (opt_meta(lambda e: e.update(hyper=[1, 2])), "hyper must be a dict"),
    (opt_meta(lambda e: e.update(num_params="4")), "for '4' parameters"),
    (lambda meta: meta.update(version="1"), "format version is '1'"),
    (lambda meta: meta.update(version=None), "format version is None"),
    (lambda meta: meta.update(version=99), "newer minigrad"),
    (lambda meta: meta.update(single="yes"), "metadata does not describe"),
    (lambda meta: meta.update(entries=[1]), "metadata does not describe"),
    (lambda meta: meta["entries"]["model"].update(keys=[1, 2]), "metadata does not describe"),
    (lambda meta: meta["entries"].update(epoch=3), "metadata does not describe"),
    (lambda meta: meta.update(format=7), "not a minigrad checkpoint"),
])
def test_a_bad_checkpoint_changes_neither_model_nor_optimizer(tmp_path, change, message):
    path = write_zip(tmp_path / "bad.npz", with_meta(checkpoint(tmp_path), change))
    assert message in load_into_fresh(path)


def test_a_bad_step_count_in_a_buffer_is_refused(tmp_path):
    members = checkpoint(tmp_path)
    members["optimizer/0.step.npy"] = npy(np.array(-2))
    assert "step count must be a whole number" in load_into_fresh(write_zip(tmp_path / "b.npz", members))


def test_deeply_nested_metadata_is_one_line(tmp_path):
    def nest(meta):
        meta["entries"]["deep"] = {"kind": "json", "value": 0}
    members = with_meta(checkpoint(tmp_path), nest)
    text = str(np.lib.format.read_array(io.BytesIO(members["__minigrad__.npy"])))
    text = text.replace('"value": 0', '"value": ' + "[" * 100_000 + "]" * 100_000)
    members["__minigrad__.npy"] = npy(np.array(text))
    assert "nested too deeply" in load_into_fresh(write_zip(tmp_path / "deep.npz", members))


@pytest.mark.parametrize("shape", [(10**12,), (2**40, 2**40), (3, -1)])
def test_a_crafted_header_is_refused_before_anything_is_allocated(tmp_path, shape):
    members = checkpoint(tmp_path)
    members["model/layers.0.weight.npy"] = npy(header={"descr": "<f8", "fortran_order": False, "shape": shape},
                                               data=b"\0" * 96)
    assert "layers.0.weight" in load_into_fresh(write_zip(tmp_path / "crafted.npz", members))
    with pytest.raises(SerializationError):
        mg.load(tmp_path / "crafted.npz")


def test_object_arrays_are_refused_from_their_header_and_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    members = checkpoint(tmp_path)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([Payload()], dtype=object), allow_pickle=True)
    members["model/layers.0.bias.npy"] = buf.getvalue()
    path = write_zip(tmp_path / "evil.npz", members)
    assert "never pickled" in load_into_fresh(path)
    with pytest.raises(SerializationError):
        mg.load(path)
    assert not marker.exists()


def peak_bytes_of(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("name", ["junk.npy", "model/layers.0.weight.npy"])
def test_a_small_file_is_not_inflated_before_it_is_refused(tmp_path, name):
    members = checkpoint(tmp_path)
    big = npy(np.zeros((4096, 2048), np.float32))  # 32 MiB of zeros, about 32 KiB deflated
    members[name] = big
    path = write_zip(tmp_path / "bomb.npz", members, compress={name})
    assert path.stat().st_size < 200_000

    def attempt():
        with pytest.raises(SerializationError, match="junk|inflate|layers.0.weight"):
            mg.load(path, into={"model": fresh()[0]})
    assert peak_bytes_of(attempt) < 8 * 2**20


def test_a_size_limit_applies_to_what_would_be_read(tmp_path, monkeypatch):
    model, _ = trained()
    path = mg.save(model, tmp_path / "m.npz")
    monkeypatch.setenv("MINIGRAD_MAX_LOAD_BYTES", "1000")
    with pytest.raises(SerializationError, match="limit of 1,000"):
        mg.load(path)
    monkeypatch.delenv("MINIGRAD_MAX_LOAD_BYTES")
    assert set(mg.load(path)) == set(model.state_dict())


@pytest.mark.parametrize("content, message", [
    (pickle.dumps({"model": [1.0, 2.0]}), "not a minigrad checkpoint"),
    (b"root:x:0:0:root:/root:/bin/bash\n", "not a minigrad checkpoint"),
    (b"", "not a minigrad checkpoint (an empty file)"),
    (npy(np.zeros(3)), "not a minigrad checkpoint (a single NumPy .npy array)"),
    (b"PK\x03\x04" + b"\0" * 40, "is damaged"),
])
def test_files_that_are_not_checkpoints_say_so(tmp_path, content, message):
    path = tmp_path / "thing.npz"
    path.write_bytes(content)
    text = load_into_fresh(path)
    assert message in text and "pickle" not in text


def test_a_zip_of_other_things_and_a_folder_are_not_checkpoints(tmp_path):
    path = write_zip(tmp_path / "doc.npz", {"word/document.xml": b"<xml/>"})
    assert "not a minigrad checkpoint" in load_into_fresh(path)
    (tmp_path / "folder.npz").mkdir()
    assert "is a folder" in load_into_fresh(tmp_path / "folder.npz")


def test_permission_denied_is_reported_as_such(tmp_path, monkeypatch):
    model, _ = trained()
    path = mg.save(model, tmp_path / "m.npz")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("minigrad.archive.open", denied, raising=False)
    text = load_into_fresh(path)
    assert "permission denied" in text and "damaged" not in text


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_reported_as_such(tmp_path):
    model, _ = trained()
    path = mg.save(model, tmp_path / "m.npz")
    path.chmod(0)
    assert "permission denied" in load_into_fresh(path)


def test_damaged_bytes_give_one_line_errors_and_change_nothing(tmp_path):
    """Flip, drop or truncate bytes of a good checkpoint at 150 seeded places: the load either works or
    raises one SerializationError line, never another exception, and a failed one changes nothing."""
    model, opt = trained()
    good = mg.save({"model": model, "optimizer": opt}, tmp_path / "good.npz").read_bytes()
    rng = random.Random(16)
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(150):
        data = bytearray(good)
        how = i % 3
        pos = rng.randrange(len(data))
        if how == 0:
            data[pos] ^= 1 << rng.randrange(8)
        elif how == 1:
            del data[pos: pos + rng.randrange(1, 64)]
        else:
            data = data[:pos]
        path = tmp_path / f"d{i}.npz"
        path.write_bytes(bytes(data))
        target, target_opt = fresh()
        before = snapshot(target, target_opt)
        try:
            mg.load(path, into={"model": target, "optimizer": target_opt})
            outcomes["loaded"] += 1
        except SerializationError as exc:
            assert "\n" not in str(exc)
            assert_unchanged(target, target_opt, before)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 100  # most damage is noticed (the CRC covers every member)


def test_save_keeps_a_private_checkpoint_private_and_refuses_a_read_only_one(tmp_path):
    model, opt = trained()
    path = mg.save(model, tmp_path / "m.npz")
    path.chmod(0o600)
    mg.save({"model": model, "optimizer": opt}, path)
    assert path.stat().st_mode & 0o777 == 0o600 and "optimizer" in mg.load(path)
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match="read-only"):
        mg.save(model, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]
