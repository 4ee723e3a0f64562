"""Ship the bundled rulesets and the synthetic sample inside the package.

``rules/`` and ``data/bag_sample/`` live at the top of the repository (the design's layout);
a wheel copies them to ``spreidingstoets/_bundled/``, where ``spreidingstoets.settings`` finds
them when the package is installed without the source tree.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = {"rules": "rules", "sample": "data/bag_sample"}


class BuildWithBundled(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the source tree
        for name, folder in BUNDLED.items():
            target = Path(self.build_lib, "spreidingstoets", "_bundled", name)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)


setup(cmdclass={"build_py": BuildWithBundled})
