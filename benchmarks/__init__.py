"""Speed and memory benchmarks (issue 9); see benchmarks/README.md."""
