"""The retention dashboard: `streamlit run app.py`.

Sections and pages are declared here. Each page starts with
``dashboard.state.page_context()``, which draws the global filters in the sidebar
(shared through session state and the URL) and says when the demo data is shown.
"""

# First: sets the allocator option of polars before anything can import polars.
import retention_core  # noqa: F401, I001
import streamlit as st

from dashboard.auth import require_login

st.set_page_config(page_title="Retention dashboard", page_icon=":material/monitoring:",
                   layout="wide")

# Login before anything else when [auth] is configured (docs/security.md).
require_login()

PAGES = {
    "Dashboard": [
        st.Page("pages/1_overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/2_retention.py", title="Retention", icon=":material/replay:"),
        st.Page("pages/3_customer_value.py", title="Customer value", icon=":material/payments:"),
        st.Page("pages/4_satisfaction.py", title="Satisfaction", icon=":material/sentiment_satisfied:"),
        st.Page("pages/5_cart_funnel.py", title="Cart funnel", icon=":material/shopping_cart:"),
    ],
    "Data": [
        st.Page("pages/6_data.py", title="Data", icon=":material/upload_file:"),
    ],
}

page = st.navigation(PAGES)

page.run()
