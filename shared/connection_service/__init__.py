"""Sage Intacct connection service: the code shared by every Lambda function (the layer)."""
