import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Many small tensor operations: threads cost more than they give on 2 cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
