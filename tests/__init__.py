from . import test_install
from . import test_rate_resolution
from . import test_billing_access
from . import test_contract
from . import test_project_billing_terms
from . import test_logging_rules
from . import test_approval_flow
from . import test_billing_performance
