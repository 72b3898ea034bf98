module libtdcm/tdcm/tests

go 1.19

require libtdcm/tdcm v0.1.0
