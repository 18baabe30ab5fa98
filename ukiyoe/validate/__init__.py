"""The validate stage: every experiment of the pipeline compiled with params.yaml before anything trains."""
