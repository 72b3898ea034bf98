module libtdcm.invalid/tdcm/bench

go 1.19

require libtdcm.invalid/tdcm v0.1.0
