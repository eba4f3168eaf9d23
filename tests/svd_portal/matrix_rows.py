from tests.matrix import Spec, public

SPECS = [
    Spec("healthz", public()),
]
