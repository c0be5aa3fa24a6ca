// OCI image layouts, OCI archives and docker archives (oci.cpp).
#pragma once

#include "core/container/container.hpp"

namespace core::container {

// open() for SpecKind::oci_layout, oci_archive and docker_archive.
ContainerSet open_oci(const ContainerSpec& spec, const OpenOptions& options);

}  // namespace core::container
