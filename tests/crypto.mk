# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of crypto.
