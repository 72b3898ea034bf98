module libtdcm.invalid/tdcm/example

go 1.19

require libtdcm.invalid/tdcm v0.1.0
