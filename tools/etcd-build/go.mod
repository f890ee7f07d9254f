// Builds etcd, etcdctl and etcdutl of a chosen release from their Go modules.
// scripts/fetch-etcd copies this module to a scratch directory, requires the
// three modules at one version with `go get`, and runs `go build` on their
// main packages. As a dependency, etcd's own `replace` lines are ignored,
// which is what lets this work where `go install pkg@version` refuses.
module etcdtui.invalid/etcd-build

go 1.22
