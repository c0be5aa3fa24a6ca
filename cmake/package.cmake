# The Debian package, made by CPack from the install rules:
#
#   cmake --build build && (cd build && cpack -G DEB)     -> build/erofs-share_<version>-1_<arch>.deb
#
# Its dependencies come from the shared libraries the binaries load (dpkg-shlibdeps, from
# dpkg-dev); the binaries are stripped; man pages are gzip -9n (man/CMakeLists.txt). The
# package installs under /usr whatever CMAKE_INSTALL_PREFIX is.
set(EROFS_SHARE_PACKAGE_MAINTAINER "erofs-share maintainers <erofs-share@localhost>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME erofs-share)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${EROFS_SHARE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "analyse and tag EROFS images for Linux inode page-cache sharing")
# Extended description: CPack indents its lines and turns the empty line into " ." (policy 3.4).
set(CPACK_PACKAGE_DESCRIPTION "\
erofs-share reads EROFS filesystem images itself (no kernel mount) and tells
how much page cache Linux 7.0's inode page-cache sharing (-o inode_share)
saves across them, and what blocks the rest.

Subcommands: scan (images, directories, tar layers, OCI archives and
containerd nodes), lint (a CI gate for fingerprinted images: text, JSON,
SARIF, JUnit, GitHub), inspect, tag and build (give images the fingerprints
mkfs.erofs 1.9 writes) and smoke (proof in QEMU on a real kernel).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # erofs-share_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Tools some subcommands run: mkfs.erofs (build), and for smoke QEMU, a static busybox for the
# guest, and what its scripts need to fetch a kernel or build erofs-utils >= 1.9.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "erofs-utils")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "qemu-system-x86, busybox-static, dpkg-dev, debian-archive-keyring")

include(CPack)
