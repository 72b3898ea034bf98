module libtdcm.invalid/tdcm/tests

go 1.19

require libtdcm.invalid/tdcm v0.1.0
