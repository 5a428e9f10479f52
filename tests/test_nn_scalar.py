"""minigrad.nn.scalar: micrograd's Neuron/Layer/MLP surface over Value, checked against the Tensor MLP."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import Value, nn
from minigrad.nn.scalar import MLP, Layer, Neuron


def test_structure_and_repr_match_micrograd():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2)")
    assert repr(model.layers[-1]) == "Layer of [LinearNeuron(16)]"
    assert all(-1 <= p.data <= 1 for p in model.parameters())
    out = model([Value(0.5), Value(-1.0)])
    assert isinstance(out, Value)  # one output neuron: a Value, not a list
    assert isinstance(Layer(3, 2)([1.0, 2.0, 3.0]), list)


def test_neuron_computes_relu_of_w_dot_x_plus_b():
    n = Neuron(3)
    n.b.data = 0.25
    x = [1.0, -2.0, 0.5]
    expected = max(0.0, sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25)
    assert n(x).data == pytest.approx(expected)
    linear = Neuron(3, nonlin=False)
    linear.b.data = -5.0  # negative pre-activation: a linear neuron passes it through
    assert linear(x).data == pytest.approx(sum(w.data * xi for w, xi in zip(linear.w, x)) - 5.0)
    with pytest.raises(ValueError, match="got an input with 2 values"):
        n([1.0, 2.0])


def test_seeded_weights_are_reproducible():
    mg.manual_seed(1337)
    a = [p.data for p in MLP(2, [4, 1]).parameters()]
    mg.manual_seed(1337)
    b = [p.data for p in MLP(2, [4, 1]).parameters()]
    assert a == b


def test_scalar_mlp_agrees_with_the_tensor_mlp():
    """Same weights, same input: Value graph and Tensor graph give the same output and gradients."""
    scalar = MLP(3, [4, 1], activation="tanh")
    tensor = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    for layer, lin in zip(scalar.layers, (tensor.layers[0], tensor.layers[2])):
        lin.weight.data[...] = np.array([[w.data for w in n.w] for n in layer.neurons]).T
        lin.bias.data[...] = [n.b.data for n in layer.neurons]
    x = [0.3, -1.2, 0.8]
    out = scalar(x)
    out.backward()
    t_out = tensor(mg.Tensor(np.array([x]), dtype=np.float64))
    t_out.sum().backward()
    assert out.data == pytest.approx(t_out.item(), rel=1e-12)
    grads = np.array([[w.grad for w in n.w] for n in scalar.layers[0].neurons]).T
    np.testing.assert_allclose(tensor.layers[0].weight.grad.numpy(), grads, rtol=1e-10)


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


@pytest.mark.slow
def test_micrograd_demo_trains_with_only_the_import_changed():
    """micrograd's demo.ipynb loop (max-margin loss, L2, SGD with decaying lr) on our moons."""
    X, y = mg.data.make_moons(30, noise=0.1, seed=0)
    y = y.ravel() * 2 - 1  # the demo's labels are -1/+1
    mg.manual_seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total, sum(accuracy) / len(accuracy)

    first, first_acc = loss()
    for k in range(21):
        total, acc = loss()
        model.zero_grad()
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    final, final_acc = loss()
    assert final.data < 0.5 * first.data
    assert final_acc >= 0.9 and final_acc > first_acc
