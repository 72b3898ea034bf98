module libtdcm/tdcm/bench

go 1.19

require libtdcm/tdcm v0.1.0
