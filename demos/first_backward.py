"""Build an expression, run backward, and print every gradient."""

from micrograd import Value

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"

L.backward()
for v in (a, b, c, e, d, f, L):
    print(f"{v.label} = {v.data:8.4f}   dL/d{v.label} = {v.grad:8.4f}")
