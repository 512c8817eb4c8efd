"""RQ workers: the question job, the inference client and the worker processes."""
