"""Serve ``model.KeywordModel`` with label-studio-ml's own Flask app on 127.0.0.1:PORT."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from label_studio_ml.api import init_app  # noqa: E402
from model import KeywordModel  # noqa: E402

if __name__ == "__main__":
    app = init_app(model_class=KeywordModel, model_dir=os.environ["LSML_MODEL_DIR"])
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True, use_reloader=False)
